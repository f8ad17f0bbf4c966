"""Regular expressions compiled on their first use rather than when their module loads.

A module's expressions serve its rarer branches as often as its common ones (awk programs,
loopback addresses, numeric bounds), and compiling each costs 50 to 200 µs: compiled at
import, every start-up of a judging command would pay a few milliseconds for expressions
most commands never use. Only the standard library: the fast path imports it.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    on_use = re.compile
else:
    class on_use:
        """Stands for ``re.compile(pattern, flags)`` and compiles it when first used.

        Each attribute is looked up on the compiled pattern once, then kept on this object:
        later calls (``_NAME.match(text)``) find it directly, as on a compiled pattern.
        """

        def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
            self._source = (pattern, flags)

        def __getattr__(self, name: str) -> object:
            found = getattr(re.compile(*self._source), name)
            setattr(self, name, found)
            return found
