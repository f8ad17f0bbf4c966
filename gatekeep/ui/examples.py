"""How ``gatekeep test`` shows its results: failures diff-style, coverage, JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gatekeep.offline.examples import Outcome, Report
from gatekeep.runtime.audit import segment_json
from gatekeep.text import visible
from gatekeep.ui.marks import MARKS
from gatekeep.ui.plain import Piece, rich_text

if TYPE_CHECKING:
    from rich.text import Text


def where(outcome: Outcome) -> str:
    example = outcome.example
    return f"{example.file}:{example.line}"


def failure_text(outcome: Outcome) -> Text:
    """One failed example: where it is, the command, expected against actual, the parts."""
    from rich.text import Text

    from gatekeep.ui.decision import segment_text

    example, decision = outcome.example, outcome.decision
    out = Text()
    out.append("FAIL ", style="bold red")
    out.append(where(outcome))
    out.append(f"  {example.rule or 'policy tests'}", style="bold")
    if example.cwd:
        out.append(f"  (cwd {visible(example.cwd)})", style="dim")
    if example.at:
        counted = f", {example.counted} runs counted" if example.counted is not None else ""
        out.append(f"  (at {visible(example.at)}{counted})", style="dim")
    out.append(f"\n  $ {visible(example.cmd)}\n")
    out.append(f"  - expected {example.expect}\n", style=MARKS[example.expect][1])
    out.append(f"  + actual   {decision.decision}\n", style=MARKS[decision.decision][1])
    for segment in decision.segments:
        out.append_text(_indented(segment_text(segment), "    "))
    return out


def _indented(text: Text, prefix: str) -> Text:
    from rich.text import Text

    out = Text()
    for line in text.split("\n", include_separator=True):
        if line.plain.strip():
            out.append(prefix)
        out.append_text(line)
    return out


def summary_text(report: Report, min_coverage: float | None) -> Text:
    return rich_text(summary(report, min_coverage))


def summary(report: Report, min_coverage: float | None) -> list[Piece]:
    """Examples passed and rule coverage, as styled pieces (``gatekeep.ui.plain``)."""
    outcomes, coverage = report.outcomes, report.coverage
    failed = len(report.failures)
    style = "red" if failed else "green"
    covered = len(coverage.rules) - len(coverage.uncovered)
    low = min_coverage is not None and coverage.percent < min_coverage
    out: list[Piece] = [
        (f"{report.policy.name}: ", "bold"),
        (f"{len(outcomes) - failed} of {len(outcomes)} examples passed", style),
        (f"; rule coverage {covered}/{len(coverage.rules)} ({coverage.percent:.1f}%)",
         "red" if low else "")]
    if low:
        out.append((f", below the required {min_coverage:g}%", "red"))
    out.append(("\n", ""))
    out.extend((f"  not covered: {rule.id} ({rule.file}:{rule.line})\n", "yellow")
               for rule in coverage.uncovered)
    return out


def report_json(report: Report, min_coverage: float | None) -> dict[str, Any]:
    coverage = report.coverage
    return {
        "policy": report.policy.name,
        "files": list(report.policy.files),
        "examples": len(report.outcomes),
        "failed": len(report.failures),
        "failures": [_outcome_json(o) for o in report.failures],
        "coverage": {
            "percent": round(coverage.percent, 2),
            "rules": len(coverage.rules),
            "covered": len(coverage.rules) - len(coverage.uncovered),
            "uncovered": [{"id": r.id, "file": r.file, "line": r.line}
                          for r in coverage.uncovered],
            "passed": min_coverage is None or coverage.percent >= min_coverage,
        },
    }


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    example = outcome.example
    return {
        "cmd": example.cmd, "cwd": example.cwd, "expect": example.expect,
        "actual": outcome.decision.decision, "file": example.file, "line": example.line,
        "rule": example.rule, "at": example.at, "count": example.counted,
        "segments": [segment_json(s) for s in outcome.decision.segments],
    }
