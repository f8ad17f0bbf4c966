"""The command line's plain values, converted without pydantic, come out exactly as typer
converts them; every other value still goes to typer (its results and messages)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pytest
import typer.main
from typer._coercion import build_runtime_param

from gatekeep.cli import app
from gatekeep.cli_values import SLOW, Converter, convert


def every_param() -> list[tuple[str, Any, Any]]:
    """(command path, parameter, context) for every parameter, each command's -h too."""
    found = []
    pending = [("gatekeep", typer.main.get_command(app))]
    while pending:
        path, command = pending.pop()
        ctx = command.context_class(command, info_name=path)
        found += [(path, param, ctx) for param in command.get_params(ctx)]
        pending += [(f"{path} {name}", sub)
                    for name, sub in getattr(command, "commands", {}).items()]
    return found


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    base = tmp_path_factory.mktemp("values")
    (base / "file").write_text("x")
    (base / "dangling").symlink_to(base / "nowhere")
    scalars: list[Any] = [
        None, "", "x", "5", "007", "0", "-1", "+5", " 5", "5_0", "1e3", "\u0663", "100",
        "101", "50", "1.5", "007.50", ".5", "inf", "abc", "bash", "Bash", "ksh", "fish",
        "a\x00b", "\udcff", "-", 3, 20, 0, -4, 2.5, 7.0, True,
        str(base / "file"), str(base), str(base / "absent"), str(base / "dangling")]
    return [*scalars, (), [], ("a", "b"), ["5", "x"], ("5",), ("a\x00b",), [str(base)],
            ("bash", "ksh")]


def outcome(run: Any) -> str:
    """The value's repr (types included: 5 is not 5.0, a Path is not a str), or the error."""
    try:
        return repr(run())
    except Exception as error:
        return f"{type(error).__name__}: {error}"


@pytest.mark.parametrize(("path", "param", "ctx"), every_param(),
                         ids=lambda item: item if isinstance(item, str) else "")
def test_every_parameter_converts_every_sample_as_typer_does(
        path: str, param: Any, ctx: Any, samples: list[Any]) -> None:
    typer_own = build_runtime_param(param.type_descriptor)
    for value in samples:
        param._runtime_param = None
        ours = outcome(lambda: Converter().coerce(value, param=param, ctx=ctx))
        assert ours == outcome(lambda: typer_own.coerce(value, param=param, ctx=ctx)), (
            path, param.name, value)


def by_name(name: str) -> Any:
    return next(param for _, param, _ in every_param() if param.name == name)


def test_plain_values_need_no_typer_conversion(tmp_path: Path) -> None:
    """The everyday values take the plain way (else pydantic loads: the start-up test)."""
    assert convert("5", by_name("limit")) == 5
    assert convert(None, by_name("help")) is None
    assert convert(3, by_name("least")) == 3
    assert convert(("a", "b"), by_name("policies")) == ["a", "b"]
    assert convert("50.5", by_name("min_coverage")) == 50.5
    assert convert("zsh", by_name("shell")) == "zsh"
    assert convert(str(tmp_path), by_name("junit")) == tmp_path


def test_values_that_need_judgement_go_to_typer(tmp_path: Path) -> None:
    """Out of range, another notation, an unknown choice, a path typer checks further."""
    for value, name in (("-1", "limit"), ("0", "least"), ("1e3", "limit"), ("101", "min_coverage"),
                        ("ksh", "shell"), ("a\x00b", "junit"), ("", "junit"), (b"x", "rule")):
        assert convert(value, by_name(name)) is SLOW, (value, name)


def test_a_parameter_with_its_own_parser_goes_to_typer() -> None:
    own = typer.Typer()

    @own.command()
    def shout(word: Annotated[str, typer.Argument(parser=str.upper)]) -> None:
        typer.echo(word)

    param = typer.main.get_command(own).params[0]
    assert convert("hi", param) is SLOW
    assert Converter().coerce("hi", param=param, ctx=None) == "HI"
