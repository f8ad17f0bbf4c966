"""Differential test: what real bash runs must be what gatekeep's segments say.

Commands come from a bash-like grammar (``strategies.py``). Each runs with real bash
among recording shims (``harness.py``); every program bash ran must appear among
gatekeep's segments with the same words. A command gatekeep reports as
unparseable is skipped (it is never allowed), but fewer than ``MAX_SKIPPED`` of
them may be, so the comparison stays meaningful.

The default run is deterministic (``derandomize``) and does ``CI_EXAMPLES``
commands; ``-m slow`` runs ``SLOW_EXAMPLES`` more with fresh randomness. Every
mismatch found is kept, minimized, in ``regressions.yaml``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

HERE = Path(__file__).parent
CI_EXAMPLES = 2000
SLOW_EXAMPLES = int(os.environ.get("GATEKEEP_SLOW_EXAMPLES", "20000"))  # CI sets fewer
MAX_SKIPPED = 0.2


def _load(name: str) -> ModuleType:
    """A sibling module (tests are imported with --import-mode=importlib, not as a package)."""
    module_name = f"gatekeep_differential_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


strategies = _load("strategies")
harness = _load("harness")
# gatekeep models bash 5 (``$'\\x{...}'``, ``{fd}>file``, ...)
pytestmark = pytest.mark.skipif(harness.bash_version() < (5,), reason="needs bash 5 or later")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return harness.Sandbox(tmp_path_factory.mktemp("bash-differential"), strategies.SHIMS,
                           (strategies.FAILING,), strategies.INPUT_FILES)


def run_generated(sandbox: Any, examples: int, derandomize: bool) -> Counter[str]:
    """Compare ``examples`` generated commands; the counts of compared and skipped ones."""
    counts: Counter[str] = Counter()

    @settings(max_examples=examples, deadline=None, derandomize=derandomize, database=None,
              suppress_health_check=list(HealthCheck), print_blob=True)
    @given(command=strategies.commands())
    def check(command: str) -> None:
        outcome = harness.compare(sandbox, command)
        counts["skipped" if outcome.skipped else "compared"] += 1
        assert not outcome.missing, outcome.report()

    check()
    total = counts["compared"] + counts["skipped"]
    print(f"bash differential: {total} commands, {counts['compared']} compared, "
          f"{counts['skipped']} skipped as unparseable ({counts['skipped'] / total:.1%})")
    assert total >= examples
    assert counts["skipped"] < MAX_SKIPPED * total, counts
    return counts


def test_generated_commands_run_as_gatekeep_sees_them(sandbox: Any) -> None:
    run_generated(sandbox, CI_EXAMPLES, derandomize=True)


@pytest.mark.slow
def test_many_more_generated_commands_run_as_gatekeep_sees_them(sandbox: Any) -> None:
    run_generated(sandbox, SLOW_EXAMPLES, derandomize=False)


# -- regressions: each mismatch the generator found, minimized --------------------------

def _regressions() -> list[Any]:
    entries = yaml.safe_load((HERE / "regressions.yaml").read_text(encoding="utf-8"))
    return [pytest.param(entry, id=f"{index:02d} {entry['cmd'][:60]!r}")
            for index, entry in enumerate(entries["regressions"])]


@pytest.mark.parametrize("entry", _regressions())
def test_regression(entry: dict[str, Any], sandbox: Any) -> None:
    outcome = harness.compare(sandbox, entry["cmd"])
    assert not outcome.missing, outcome.report()
    # the case still exercises what it was found for: bash runs what it ran then
    home, work = str(sandbox.home), str(sandbox.work)
    ran = sorted([arg.decode("utf-8", "surrogateescape").replace(work, "$PWD")
                  .replace(home, "$HOME") for arg in argv] for argv in outcome.ran)
    assert ran == sorted(entry["ran"]), outcome.report()
    if "gatekeep" in entry:
        assert ("unparseable" if outcome.skipped else "analysed") == entry["gatekeep"]


# -- loops over literal words, read once per word ---------------------------------------

@pytest.mark.parametrize("command", [
    'for d in src tests; do p1 "$d" -x ${d}/a x$d; done',
    "for f in a.py -b c=d; do p1 $f; p2 \"$f\" | p3 $(p1 $f); done",
    "for d in a b; do for e in c d; do p1 $d$e; done; done",
    "for d in a b; do (cd . && p1 $d); p2 <<< $d; done",
])
def test_each_pass_of_a_loop_runs_as_gatekeep_sees_it(command: str, sandbox: Any) -> None:
    """Both ways: what bash ran is among the segments, and each segment a pass of the loop
    gave was run by bash with those words (its variable read as bash reads it)."""
    from gatekeep.shell.parse import parse

    outcome = harness.compare(sandbox, command)
    assert not outcome.skipped and not outcome.missing, outcome.report()
    home = str(sandbox.home).encode()
    bound = [s.argv for s in parse(command).segments
             if s.binding is not None and s.argv[0].value != "cd"]  # a builtin: no process
    assert bound, command
    for words in bound:
        assert any(harness.argv_matches(words, argv, home) for argv in outcome.ran), (
            words, outcome.report())


# -- the harness itself ----------------------------------------------------------------

def test_shims_record_any_argv_exactly(sandbox: Any) -> None:
    run = sandbox.run("p1 '' $'a\\nb' $'\\xff' ' x ' && nf ; p2 -- \"$HOME\"")
    assert sorted(run.argvs) == [(b"nf",), (b"p1", b"", b"a\nb", b"\xff", b" x "),
                                 (b"p2", b"--", str(sandbox.home).encode())]


def test_background_jobs_and_process_substitutions_are_waited_for(sandbox: Any) -> None:
    run = sandbox.run("p1 a & p2 <(p3 b) >(p3 c); ( p1 d & ) ; { p1 e & }")
    assert sorted((argv[0], *sorted(argv[1:])) for argv in run.argvs) == [
        (b"p1", b"a"), (b"p1", b"d"), (b"p1", b"e"), (b"p2", b"/dev/fd/62", b"/dev/fd/63"),
        (b"p3", b"b"), (b"p3", b"c")]


def test_a_different_word_is_a_mismatch(sandbox: Any) -> None:
    from gatekeep.shell.parse import parse

    home = str(sandbox.home).encode()
    words = parse("p1 b").segments[0].argv
    assert harness.argv_matches(words, (b"p1", b"b"), home)
    assert not harness.argv_matches(words, (b"p1", b"a"), home)
    assert not harness.argv_matches(words, (b"p1", b"b", b"c"), home)
    assert not harness.argv_matches(words, (b"p1",), home)


def test_dynamic_words_match_only_what_their_flags_allow(sandbox: Any) -> None:
    from gatekeep.shell.parse import parse

    home = str(sandbox.home).encode()
    quoted = parse('p1 "x$(p2)" ~/y').segments[-1].argv
    assert harness.argv_matches(quoted, (b"p1", b"xz", home + b"/y"), home)
    assert not harness.argv_matches(quoted, (b"p1", b"yz", home + b"/y"), home)
    assert not harness.argv_matches(quoted, (b"p1", b"x", b"y", home + b"/y"), home)
    assert not harness.argv_matches(quoted, (b"p1", b"x", b"~/y"), home)
    split = parse("p1 $(p2) a").segments[-1].argv
    assert harness.argv_matches(split, (b"p1", b"a"), home)
    assert harness.argv_matches(split, (b"p1", b"1", b"2", b"a"), home)
    assert not harness.argv_matches(split, (b"p1", b"1", b"2"), home)


def test_a_mismatch_is_reported(sandbox: Any) -> None:
    outcome = harness.compare(sandbox, "p1 a; p2 'b c'")
    assert not outcome.skipped and not outcome.missing
    outcome = harness.compare(sandbox, "p1 a; p2 'b c'")
    outcome.seen = outcome.seen[:1]
    home = str(sandbox.home).encode()
    assert [a for a in outcome.ran
            if not any(harness.argv_matches(w, a, home) for w in outcome.seen)] \
        == [(b"p2", b"b c")]
