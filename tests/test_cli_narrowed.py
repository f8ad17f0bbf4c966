"""A call that names a subcommand builds that subcommand alone (``cli._narrowed``): it must
be the same command as in the whole application, with the same help, options and errors."""

from __future__ import annotations

from typing import Any

import pytest
import typer.main

from gatekeep import cli


def whole() -> dict[str, Any]:
    return dict(typer.main.get_command(cli.app).commands)  # type: ignore[attr-defined]


def described(command: Any, path: list[str]) -> list[tuple[str, ...]]:
    """Every command under ``command`` with each parameter's names, kind and default."""
    ctx = command.context_class(command, info_name=" ".join(path))
    found = [(" ".join(path), repr((param.name, param.opts, param.secondary_opts,
                                     param.default, param.required, param.nargs,
                                     param.multiple, param.get_help_record(ctx))))
             for param in command.get_params(ctx)]
    found.append((" ".join(path), "help", command.help or ""))
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        found += described(sub, [*path, name])
    return found


@pytest.mark.parametrize("name", sorted(whole()))
def test_a_narrowed_subcommand_is_the_whole_applications(name: str) -> None:
    narrowed = cli._narrowed(name)
    assert narrowed is not None
    assert list(narrowed.commands) == [name]
    assert described(narrowed.commands[name], [name]) == described(whole()[name], [name])


@pytest.mark.parametrize("name", ["lgo", "", "-h", "--help", "approvals list", "RUN"])
def test_a_name_of_no_subcommand_gets_the_whole_application(name: str) -> None:
    assert cli._narrowed(name) is None


@pytest.mark.parametrize("args", [
    ["log", "--help"], ["approvals", "list", "--help"], ["run", "--help"], ["log", "-n", "x"],
    ["check"], ["install", "nope"], ["approvals", "nope"], ["lgo"], ["--help"], [],
    ["lint", "--bogus"],
])
def test_output_and_status_are_the_whole_applications(
        args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.invoke(args)
    narrowed = capsys.readouterr()
    try:
        cli.app(args=args, prog_name="gatekeep")
        whole_status = 0
    except SystemExit as exit_:
        whole_status = exit_.code if isinstance(exit_.code, int) else 1
    assert (status, narrowed.out, narrowed.err) == (whole_status, *capsys.readouterr())
    assert status != 0 or args[-1] == "--help"
