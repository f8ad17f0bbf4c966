"""Reusing allow decisions: ``gatekeep run`` is on the path of every agent command.

``decide`` is pure: the same policy files, command, context and file-system
answers give the same decision. An allow decision is stored with what it
depended on, and reused only when all of it still holds; anything else (a
changed file, a new symlink, a glob in the command) decides afresh.

What is stored, and why it can be trusted only this far:

- One file per decision (``cache/d-<sha256 of the key>``), sealed by
  ``gatekeep.runtime.sealed``: a MAC over the *cache key* (format, version, working
  directory, ``HOME``, ``PATH``, ``TMPDIR``, gatekeep's directories, the operator's
  program knowledge, every policy reference and its role, the command or argv)
  and over the stored fields. A forged, edited or truncated entry, or one copied
  from another command's file, does not verify and is a miss.
- The stored fields: the sha256 of every policy and knowledge file's bytes *as
  compiled* (vouched for by ``gatekeep.policy.select``, which hashed them before
  or checked them against the compiled policy's own digest, so an edit during a
  compile is never recorded as the compiled content), one digest of the stamps of
  gatekeep's own modules, the file-system answers the engine used, and the audit
  fields to log.
- Which files are re-checked is decided at lookup time, not only by the entry:
  the files of the *current* policy references (``builtin:NAME``, the operator's
  file, ``--policy``, ``GATEKEEP_POLICY``, the project's file) and the current
  knowledge files must each be among the stored ones, or it is a miss. Files that
  only the loaded policies know of (those reached through ``extends``) come from
  the entry: it is authentic (MAC) and bound to these references, and a policy's
  ``extends`` are read from its own content, which is re-hashed, so the same
  contents lead to the same chain of files, each re-hashed in turn.
- Every file is re-hashed by content (a few small files), gatekeep's modules by
  stamp (device, inode, size, mtime, ctime).

The entry format is NUL-separated text, read by a strict parser after the MAC
verified; ``json`` would cost more start-up than the rest of the fast path.
Only ``os`` and gatekeep's runtime modules are imported (no ``hashlib``: see
``gatekeep.runtime.digest``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from gatekeep import __version__
from gatekeep.runtime import sealed, sysfs
from gatekeep.runtime.digest import sha256

# 3: a networked box keeps no secret variable beside a part that reads files; 4: nor beside
# sed, awk, or a part given a variable that is not plain (INTERPRETS)
FORMAT = 4
MAGIC = "gatekeep-decision"
MAX_ENTRIES = 512
SUBDIRS = ("cache",)
FsAnswer = tuple[str, str, "str | None"]  # (question, argument, answer) the resolver recorded
Inputs = tuple[tuple[str, str], ...]  # (file, sha256 of its bytes as compiled)


def key(*, command: str | None, argv: Sequence[str] | None, cwd: str, home: str, path: str,
        tmpdir: str, dirs: tuple[str, str], sources: list[tuple[str, str]]) -> str:
    """Everything outside the files that the decision depends on, as one string."""
    programs = sysfs.operator_programs(dirs[0]) or ""
    parts = [f"{FORMAT}", __version__, cwd, home, path, tmpdir, *dirs, programs]
    parts.extend(f"{role}={reference}" for reference, role in sources)
    parts.append("c" if command is not None else "a")
    parts.extend([command] if command is not None else list(argv or ()))
    return "\0".join(parts)


def required_files(sources: list[tuple[str, str]], config_dir: str) -> list[str]:
    """The files the current references and knowledge name directly, as the loader names them."""
    files = [source_file(reference) for reference, _ in sources]
    programs = sysfs.operator_programs(config_dir)
    files.append(os.path.join(builtin_dir(), "programs.yaml"))
    if programs is not None:
        files.append(_pure(programs))
    redactions = operator_redactions(config_dir)
    if os.path.exists(redactions):  # the stored fields were redacted with its patterns
        files.append(redactions)
    return files


def operator_redactions(config_dir: str) -> str:
    """The operator's redaction patterns (``gatekeep.policy.redact``): a stored decision's
    audit fields hold only as long as this file is as it was when they were redacted."""
    return os.path.join(config_dir, "redact.yaml")


def builtin_dir() -> str:
    """The shipped policies' directory (as ``gatekeep.policy.refs.builtin_dir``)."""
    here = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))  # gatekeep/
    installed = os.path.join(here, "policies")
    return installed if os.path.isdir(installed) else os.path.join(os.path.dirname(here),
                                                                   "policies")


def source_file(reference: str) -> str:
    """The file a policy reference names, spelled as the loader spells it."""
    if reference.startswith("builtin:"):
        return os.path.join(builtin_dir(), reference.removeprefix("builtin:") + ".yaml")
    return _pure(os.path.expanduser(reference))


def _pure(path: str) -> str:
    """``str(pathlib.PurePosixPath(path))`` without importing pathlib."""
    lead = "//" if path.startswith("//") and not path.startswith("///") else \
        "/" if path.startswith("/") else ""
    parts = [part for part in path.split("/") if part not in ("", ".")]
    return lead + "/".join(parts) if lead or parts else "."


def _name(cache_key: str) -> str:
    return "d-" + sha256(cache_key.encode("utf-8", "surrogateescape")).hexdigest()[:40]


class Entry:
    """A parsed entry: audit fields, code digest, file digests, file-system answers."""

    __slots__ = ("answers", "code", "fields", "files")

    def __init__(self, fields: str, code: str, files: dict[str, str],
                 answers: list[FsAnswer]) -> None:
        self.fields, self.code, self.files, self.answers = fields, code, files, answers


def encode(entry: Entry) -> bytes | None:
    """The entry as NUL-separated text; None if a field could not be framed."""
    items = [MAGIC, str(FORMAT), entry.code, entry.fields, str(len(entry.files))]
    for file, digest in entry.files.items():
        items.extend((file, digest))
    items.append(str(len(entry.answers)))
    for kind, argument, answer in entry.answers:
        items.extend((kind, argument, "-" if answer is None else "=" + answer))
    if any("\0" in item for item in items):
        return None
    return "\0".join(items).encode("utf-8", "surrogateescape")


def decode(body: bytes) -> Entry | None:
    """Parse an entry strictly; anything unexpected is None."""
    try:
        items = body.decode("utf-8", "surrogateescape").split("\0")
        if items[:2] != [MAGIC, str(FORMAT)]:
            return None
        code, fields = items[2], items[3]
        count = _count(items[4])
        files = dict(zip(items[5:5 + 2 * count:2], items[6:6 + 2 * count:2], strict=True))
        at = 5 + 2 * count
        answers_count = _count(items[at])
        rest = items[at + 1:]
        if len(files) != count or len(rest) != 3 * answers_count:
            return None
        answers = [(rest[i], rest[i + 1], _answer(rest[i + 2])) for i in range(0, len(rest), 3)]
    except (IndexError, ValueError):
        return None
    return Entry(fields, code, files, answers)


def _count(text: str) -> int:
    if not text.isdigit() or len(text) > 6:
        raise ValueError(text)
    return int(text)


def _answer(text: str) -> str | None:
    if text == "-":
        return None
    if not text.startswith("="):
        raise ValueError(text)
    return text[1:]


def lookup(state_dir: str, cache_key: str, path: str, required: Sequence[str]) -> str | None:
    """The stored audit fields of a still-valid allow decision, or None."""
    entry = reuse(state_dir, cache_key, path, required)
    return entry.fields if entry is not None else None


def reuse(state_dir: str, cache_key: str, path: str, required: Sequence[str]) -> Entry | None:
    """A still-valid allow decision: its audit fields and the file-system answers it used
    (which say what each program name runs), or None."""
    secret = sealed.key(state_dir)
    data = sealed.read(state_dir, SUBDIRS, _name(cache_key)) if secret is not None else None
    body = sealed.unseal(secret, cache_key, data) if secret and data is not None else None
    entry = decode(body) if body is not None else None
    if entry is None or not _holds(entry, required, path):
        return None
    return entry


def _holds(entry: Entry, required: Sequence[str], path: str) -> bool:
    if any(file not in entry.files for file in required):
        return False
    for file, digest in entry.files.items():
        if sysfs.content_digest(file) != digest:
            return False
    try:
        if sysfs.code_digest() != entry.code:
            return False
    except OSError:
        return False
    for kind, argument, answer in entry.answers:
        now = sysfs.which(argument, path) if kind == "which" else \
            sysfs.fingerprint(argument) if kind == "fingerprint" else sysfs.realpath(argument)
        if now != answer:
            return False
    return True


def store(state_dir: str, cache_key: str, inputs: Inputs, code: str,
          answers: Sequence[FsAnswer], audit_fields: str) -> None:
    """Remember an allow decision; failing to write the cache changes nothing else."""
    files: Mapping[str, str] = dict(inputs)
    body = encode(Entry(audit_fields, code, dict(files), list(dict.fromkeys(answers))))
    secret = sealed.key(state_dir, create=True)
    if body is None or secret is None:
        return
    try:
        sealed.write(state_dir, SUBDIRS, _name(cache_key), sealed.seal(secret, cache_key, body))
        _prune(state_dir)
    except OSError:
        return


def _prune(state_dir: str) -> None:
    """Keep the newest ``MAX_ENTRIES`` decisions."""
    directory = os.path.join(state_dir, *SUBDIRS)
    names = [n for n in os.listdir(directory) if n.startswith("d-")]
    if len(names) <= MAX_ENTRIES:
        return
    aged = sorted(names, key=lambda n: os.stat(os.path.join(directory, n)).st_mtime_ns)
    for name in aged[:len(names) - MAX_ENTRIES]:
        os.unlink(os.path.join(directory, name))
