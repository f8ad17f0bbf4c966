"""Whether a path lies in a directory, by its text (callers resolve links first).

Only the standard library: the fast path plans its boxes with this.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: the fast path imports this module
if TYPE_CHECKING:
    from collections.abc import Sequence


def within(path: str, root: str) -> bool:
    """``path`` is ``root`` or lies under it (everything lies under ``/``)."""
    return root == "/" or path == root or path.startswith(root.rstrip("/") + "/")


def under_any(path: str, roots: Sequence[str]) -> bool:
    return any(within(path, root) for root in roots)
