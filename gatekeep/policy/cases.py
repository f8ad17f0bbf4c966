"""Case files for ``gatekeep test --cases``: ``cases:``, a list of ``{cmd, expect, cwd?}``."""

from __future__ import annotations

from pathlib import Path

from gatekeep.policy.load import load_example
from gatekeep.policy.model import Example
from gatekeep.policy.yamlsource import compose, read_source, require_marker


def load_cases(path: Path) -> tuple[Example, ...]:
    """Every case in ``path``; errors name ``file:line:col`` and the key path."""
    root = compose(read_source(path, "case file"), str(path))
    require_marker(root, "cases", "not a case file: expected a mapping with 'cases:', a list "
                   "of {cmd, expect, cwd}")
    top = root.mapping(frozenset({"cases"}))
    return tuple(load_example(item, None) for item in top["cases"].sequence())
