"""gatekeep: judge every command an AI agent wants to run before it runs."""

import os as _os
import sys as _sys

__version__ = "0.1.0"

# `python -m gatekeep` puts the working directory first on sys.path (unless `-P`), and a
# hook or `gatekeep run` works in the agent's project: a `re.py` the agent wrote there would
# be imported in place of the standard library's, and run in gatekeep's own process,
# unboxed. While this package loads under `-m`, runpy has set argv[0] to "-m"; gatekeep's
# own modules load through the package from here on, so the entry is dropped.
if _sys.argv[:1] == ["-m"] and not getattr(_sys.flags, "safe_path", False) and _sys.path \
        and _sys.path[0] in ("", _os.getcwd()):
    del _sys.path[0]
