"""The secret variables a box with the network keeps: those its programs send.

Every box starts without the variables whose names say they hold a secret
(``spec.secret_name``). A box with the network keeps the ones program knowledge gives its
networked programs (``environment.credentials``: ``GH_TOKEN`` for ``gh``), and each
variable the operator's own configuration files name (``_authToken=${NPM_TOKEN}`` in
``~/.npmrc``, a credential helper's ``$CORP_TOKEN`` in git's configs). Only the standard
library: a reused decision plans its box with this.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from gatekeep.sandbox import gitdirs

GIT_CONFIGS = "(git configs)"  # a credentials entry: what the operator's git configs name


def kept(entries: tuple[str, ...], home: str, git_configs: tuple[str, ...],
         box_writes: Callable[[str], bool]) -> tuple[str, ...]:
    """The names and prefixes a box keeps (``Spec.credentials``): each name or prefix as
    given; for a file of the operator's (``~/.npmrc``), every variable it names, read now
    (a reused decision follows an edited file); for ``GIT_CONFIGS``, every variable git's
    configs (``git_configs``, found as git finds them) and the files they include name.
    A file ``box_writes`` (in the tree, a temp dir, a cache, or through a link into one)
    names nothing: the agent could have chosen what it names."""
    names: list[str] = []
    files: list[str] = []
    for entry in entries:
        if entry == GIT_CONFIGS:
            try:
                files.extend(gitdirs.operator_settings(git_configs, home)[0])
            except OSError:  # too large to read on every run: names nothing
                continue
        elif not entry.startswith(("~/", "/")):
            names.append(entry)
        elif entry.startswith("/") or home.startswith("/"):
            files.append(os.path.join(home, entry[2:]) if entry.startswith("~/") else entry)
    for path in dict.fromkeys(files):
        if not box_writes(path):
            names.extend(named_variables(_read_small(path)))
    return tuple(dict.fromkeys(names))


def named_variables(text: str) -> list[str]:
    """The variables a configuration file names: ``$NAME`` and ``${NAME}``."""
    found: list[str] = []
    for piece in text.split("$")[1:]:
        piece = piece[1:] if piece.startswith("{") else piece
        end = 0
        while end < len(piece) and (piece[end] == "_" or (piece[end].isascii()
                                    and piece[end].isalnum())):
            end += 1
        if end and not piece[0].isdigit():
            found.append(piece[:end])
    return found


def _read_small(path: str, limit: int = 1 << 20) -> str:
    """A regular file's text (none past ``limit`` bytes, nor a FIFO's: it would hold the
    run); empty when there is none."""
    try:
        data = gitdirs.regular(path, limit)
    except OSError:
        return ""
    return "" if data is None else data.decode("utf-8", "replace")
