"""``gatekeep lint``: load errors and rules that cannot match, cannot decide or allow too much."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TextIO

from gatekeep.errors import PolicyError
from gatekeep.exitcodes import ExitStatus, policy_error
from gatekeep.lint.model import ERROR, WARNING, Finding
from gatekeep.policy.model import Policy
from gatekeep.runtime.locations import Locations
from gatekeep.runtime.sysfs import operator_programs
from gatekeep.text import visible
from gatekeep.validate import problem


def lint(references: list[str], *, strict: bool, as_json: bool, locations: Locations,
         stdout: TextIO, stderr: TextIO) -> int:
    """0 clean, 1 an error (or with ``strict`` a warning), 5 a policy that does not load."""
    from gatekeep.lint.checks import lint_policy

    programs = operator_programs(str(locations.config_dir))
    cached = {reference: _compiled(reference, locations, programs) for reference in references}
    knowledge = None
    if any(policy is None for policy in cached.values()):  # a policy's text to check
        from gatekeep.policy.load import load_knowledge_default

        try:
            knowledge = load_knowledge_default(None if programs is None else Path(programs))
        except PolicyError as error:
            stderr.write(policy_error(error))
            return ExitStatus.POLICY_ERROR
    results = {reference: lint_policy(reference, knowledge, cached[reference])
               for reference in references}
    found = [finding for findings in results.values() for finding in findings]
    if as_json:
        stdout.write(json.dumps(_document(results, strict), ensure_ascii=False, indent=2) + "\n")
    else:
        for finding in found:
            stdout.write(visible(str(finding)) + "\n")
        stdout.write(_summary(results) + "\n")
    return _status(found, strict)


def _compiled(reference: str, locations: Locations, programs: str | None) -> Policy | None:
    """The compiled policy from the sealed cache, for a policy no confinement applies to (a
    built-in one, the operator's own): whether another one may extend what it extends, or
    set ``mode``, depends on where its files lie now, not on their content alone."""
    from gatekeep.policy.refs import confinement, resolve_reference
    from gatekeep.policy.select import compiled
    from gatekeep.runtime.sysfs import user_dirs

    if problem(reference) is not None:
        return None  # the checks say why
    try:
        if confinement(reference, resolve_reference(reference),
                       user_dirs(os.environ)[0]) is not None:
            return None
    except (PolicyError, OSError, RuntimeError, ValueError):
        return None  # the checks say why
    return compiled(reference, locations.cache_dir, programs)


def _status(found: list[Finding], strict: bool) -> int:
    if any(f.code in ("load", "duplicate-id") for f in found):
        return ExitStatus.POLICY_ERROR
    failing = (ERROR, WARNING) if strict else (ERROR,)
    return ExitStatus.FAILED if any(f.severity in failing for f in found) else ExitStatus.OK


def _counts(findings: list[Finding]) -> str:
    errors = sum(f.severity == ERROR for f in findings)
    warnings = sum(f.severity == WARNING for f in findings)
    notes = len(findings) - errors - warnings
    return (f"{errors} error{'s' * (errors != 1)}, "
            f"{warnings} warning{'s' * (warnings != 1)}"
            + (f", {notes} loosening{'s' * (notes != 1)}" if notes else ""))


def _summary(results: dict[str, list[Finding]]) -> str:
    return "\n".join(f"{visible(reference)}: {_counts(findings)}"
                     for reference, findings in results.items())


def _document(results: dict[str, list[Finding]], strict: bool) -> dict[str, object]:
    found = [f for findings in results.values() for f in findings]
    return {
        "passed": _status(found, strict) == ExitStatus.OK,
        "strict": strict,
        "policies": [
            {"policy": reference,
             "findings": [{**f._asdict(), "where": f.where} for f in findings]}
            for reference, findings in results.items()
        ],
    }
