"""``gatekeep test``: run a policy's examples and case files; report failures and coverage."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from gatekeep.errors import PolicyError
from gatekeep.exitcodes import ExitStatus, policy_error
from gatekeep.offline.batch import Places
from gatekeep.offline.examples import Report, policy_examples, run_examples
from gatekeep.policy.model import Example, Policy
from gatekeep.policy.select import load_cached
from gatekeep.runtime.locations import Locations
from gatekeep.runtime.sysfs import operator_programs
from gatekeep.text import visible
from gatekeep.ui.progress import progress


def run_tests(references: list[str], *, cases: list[Path], min_coverage: float | None,
              junit: Path | None, as_json: bool, env: Mapping[str, str], locations: Locations,
              stdout: TextIO, stderr: TextIO, interactive: bool) -> int:
    """Each policy (builtin:default when none is named) against its examples and the cases."""
    try:
        extra = _cases(cases)
        programs = operator_programs(str(locations.config_dir))
        policies = [load_cached(r, locations.cache_dir, programs)
                    for r in references or ["builtin:default"]]
    except PolicyError as error:
        stderr.write(policy_error(error))
        return ExitStatus.POLICY_ERROR
    reports = _run(policies, extra, stderr, interactive, not env.get("NO_COLOR"))
    if junit is not None:
        from gatekeep.ui.junit import write_junit

        try:
            write_junit(junit, reports, min_coverage)
        except OSError as error:
            stderr.write(f"gatekeep: cannot write {visible(str(junit))}: {error}\n")
            return ExitStatus.USAGE
    if as_json:
        _print_json(reports, min_coverage, stdout)
    else:
        _print(reports, min_coverage, stdout, color=not env.get("NO_COLOR"))
    return ExitStatus.OK if _passed(reports, min_coverage) else ExitStatus.FAILED


def _cases(files: list[Path]) -> tuple[Example, ...]:
    if not files:
        return ()
    from gatekeep.policy.cases import load_cases  # YAML: only for case files

    return tuple(example for file in files for example in load_cases(file))


def _run(policies: list[Policy], extra: tuple[Example, ...], stderr: TextIO,
         interactive: bool, color: bool) -> list[Report]:
    places = Places.for_tests()
    total = sum(len(policy_examples(p)) + len(extra) for p in policies)
    with progress(stderr, total, "examples", enabled=interactive, color=color) as advance:
        return [run_examples(p, policy_examples(p) + extra, places, advance) for p in policies]


def _passed(reports: list[Report], min_coverage: float | None) -> bool:
    low = min_coverage is not None and any(r.coverage.percent < min_coverage for r in reports)
    return not low and not any(r.failures for r in reports)


def _print(reports: list[Report], min_coverage: float | None, stdout: TextIO,
           color: bool) -> None:
    from gatekeep.ui import plain
    from gatekeep.ui.examples import failure_text, summary

    summaries = [summary(report, min_coverage) for report in reports]
    if not any(report.failures for report in reports) and plain.write(stdout, summaries,
                                                                        color=color):
        return
    from gatekeep.ui.console import make_console

    console = make_console(stdout, color=color)
    for report in reports:
        for outcome in report.failures:
            console.print(failure_text(outcome), soft_wrap=True, markup=False, highlight=False)
    for pieces in summaries:
        console.print(plain.rich_text(pieces), end="", soft_wrap=True, markup=False,
                      highlight=False)


def _print_json(reports: list[Report], min_coverage: float | None, stdout: TextIO) -> None:
    from gatekeep.ui.examples import report_json

    document = {
        "passed": _passed(reports, min_coverage),
        "min_coverage": min_coverage,
        "policies": [report_json(r, min_coverage) for r in reports],
    }
    stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
