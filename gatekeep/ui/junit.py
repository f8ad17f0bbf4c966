"""``gatekeep test --junit FILE``: the results as JUnit XML, for CI systems to show."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from gatekeep.offline.examples import Outcome, Report
from gatekeep.ui.examples import failure_text


def write_junit(path: Path, reports: list[Report], min_coverage: float | None) -> None:
    root = ElementTree.Element("testsuites", name="gatekeep test")
    totals = [0, 0]
    for report in reports:
        suite = _suite(report, min_coverage)
        root.append(suite)
        totals[0] += int(suite.get("tests", "0"))
        totals[1] += int(suite.get("failures", "0"))
    root.set("tests", str(totals[0]))
    root.set("failures", str(totals[1]))
    ElementTree.indent(root)
    path.write_bytes(ElementTree.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n")


def _suite(report: Report, min_coverage: float | None) -> ElementTree.Element:
    name = report.policy.name
    suite = ElementTree.Element("testsuite", name=name, errors="0", skipped="0")
    properties = ElementTree.SubElement(suite, "properties")
    ElementTree.SubElement(properties, "property", name="coverage",
                           value=f"{report.coverage.percent:.2f}")
    failures = 0
    for outcome in report.outcomes:
        suite.append(_case(name, outcome))
        failures += not outcome.passed
    count = len(report.outcomes)
    if min_coverage is not None:
        count += 1
        failures += _coverage_case(suite, report, min_coverage)
    suite.set("tests", str(count))
    suite.set("failures", str(failures))
    return suite


def _case(policy: str, outcome: Outcome) -> ElementTree.Element:
    example = outcome.example
    case = ElementTree.Element(
        "testcase", classname=f"{policy}.{example.rule or Path(example.file).name}",
        name=example.cmd, file=example.file, line=str(example.line))
    if not outcome.passed:
        failure = ElementTree.SubElement(
            case, "failure", type="decision",
            message=f"expected {example.expect}, got {outcome.decision.decision}")
        failure.text = failure_text(outcome).plain
    return case


def _coverage_case(suite: ElementTree.Element, report: Report, minimum: float) -> bool:
    coverage = report.coverage
    case = ElementTree.SubElement(suite, "testcase", classname=report.policy.name,
                                  name=f"rule coverage of at least {minimum:g}%")
    if coverage.percent >= minimum:
        return False
    failure = ElementTree.SubElement(case, "failure", type="coverage",
                                     message=f"rule coverage {coverage.percent:.1f}%")
    failure.text = "".join(f"not covered: {r.id} ({r.file}:{r.line})\n"
                           for r in coverage.uncovered)
    return True
