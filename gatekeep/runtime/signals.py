"""``signal``'s functions and numbers without its enums.

The ``signal`` module builds enums of every signal, handler and mask as it loads, about 2 ms
of a start-up that runs before every agent command; its C part, ``_signal``, has the same
functions and numbers (plain ints, and handlers returned as they are). Type checkers see
``signal``. Only the standard library: the hot path imports this.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    import signal as signal
else:
    import _signal as signal

__all__ = ["signal"]
