"""gatekeep: judge every command an AI agent wants to run before it runs."""

import os as _os
import sys as _sys

__version__ = "0.1.0"

# `python -m gatekeep` puts the working directory first on sys.path (unless `-P`), and a
# hook or `gatekeep run` works in the agent's project: a `re.py` the agent wrote there would
# be imported in place of the standard library's, and run in gatekeep's own process,
# unboxed. While this package loads under `-m`, runpy has set argv[0] to "-m". The entry
# becomes the directory this package was loaded from, already searched (and the first
# entry stays the one `-m` put there, which `runtime.resident.compat` leaves out).
# (`python -P -m gatekeep` also keeps a package of the project's named gatekeep out.)
if _sys.argv[:1] == ["-m"] and not getattr(_sys.flags, "safe_path", False) and _sys.path \
        and _sys.path[0] in ("", _os.getcwd()):
    _sys.path[0] = _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))
