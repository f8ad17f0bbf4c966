"""Regular expressions compiled on their first use rather than when their module loads.

A module's expressions serve its rarer branches as often as its common ones (awk programs,
loopback addresses, numeric bounds), and compiling each costs 50 to 200 µs: compiled at
import, every start-up of a judging command would pay a few milliseconds for expressions
most commands never use. A process that serves many commands (``gatekeep resident``)
compiles them all ahead with ``compile_all``. Only the standard library: it sits with the
runtime, below every layer that uses it.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
_MADE: list[re.Pattern[str] | re.Pattern[bytes]] = []  # every expression, for compile_all
if TYPE_CHECKING:
    on_use = re.compile
else:
    class on_use:
        """Stands for ``re.compile(pattern, flags)`` and compiles it when first used.

        The compiled pattern's attributes are then copied onto this object: later calls
        (``_NAME.match(text)``) find them directly, as on a compiled pattern.
        """

        def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
            self._source = (pattern, flags)
            _MADE.append(self)

        def __getattr__(self, name: str) -> object:
            compiled = re.compile(*self._source)
            for attribute in dir(compiled):
                if not attribute.startswith("_"):
                    setattr(self, attribute, getattr(compiled, attribute))
            return getattr(compiled, name)


def compile_all() -> None:
    """Compile every expression made so far (a forked child then inherits them); one that
    does not compile is left to fail where it is used."""
    for made in _MADE:
        try:
            made.pattern  # noqa: B018 - the first use compiles it
        except re.error:
            continue
