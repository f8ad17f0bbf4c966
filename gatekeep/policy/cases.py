"""Case files for ``gatekeep test --cases``: ``cases:``, a list of ``{cmd, expect, cwd?}``."""

from __future__ import annotations

from pathlib import Path

from gatekeep.errors import PolicyError
from gatekeep.policy.load import load_example
from gatekeep.policy.model import Example
from gatekeep.policy.yamlsource import compose


def load_cases(path: Path) -> tuple[Example, ...]:
    """Every case in ``path``; errors name ``file:line:col`` and the key path."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError(str(path), None, None, "", f"cannot read the case file: {error}") \
            from None
    top = compose(text, str(path)).mapping(frozenset({"cases"}))
    if "cases" not in top:
        raise PolicyError(str(path), 1, 1, "", "a case file needs 'cases:', a list of "
                          "{cmd, expect, cwd}")
    return tuple(load_example(item, None) for item in top["cases"].sequence())
