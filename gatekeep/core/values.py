"""What a command sets and installs, read for the guardrails ``bounds:`` and ``packages:``.

Pure: an invocation and program knowledge in, findings out. Where a value or a package
source cannot be read for certain (a variable, a substitution, a form this module does
not know), the finding says so, and the guardrail asks: unknown is never within bounds.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase

from gatekeep.policy.values import Bound, PackageGuard
from gatekeep.runtime.patterns import on_use
from gatekeep.sandbox.records import NamedTuple
from gatekeep.shell.analyze import Invocation
from gatekeep.shell.knowledge import Installer, Knowledge, ProgramSpec
from gatekeep.shell.model import Word

_NUMBER = on_use(r"[+-]?\d+(?:\.\d+)?\Z")
_SETTING_VALUE = r"""\s*(?:=|:|\bTO\b)\s*('[^']*'|"[^"]*"|[^\s,;})\]]+)"""


# -- bounds ------------------------------------------------------------------------
def out_of_bounds(bounds: tuple[Bound, ...], invocation: Invocation,
                  knowledge: Knowledge) -> list[str]:
    """Why the invocation's values are not within ``bounds`` (empty: they all are)."""
    spec = knowledge.spec((invocation.program or "").rsplit("/", 1)[-1])
    inner = _subcommand(spec, invocation.positionals)
    problems: list[str] = []
    for bound in bounds:
        problems.extend(_check(bound, shown, value)
                        for shown, value in _values(bound, invocation, spec, inner))
    return [p for p in problems if p]


def _check(bound: Bound, shown: str, value: str | None) -> str:
    where = f"{bound.name} {bound.text}"
    if value is None:
        return f"{shown}: a value known only at run time, not within {where} for certain"
    text = value.strip("'\"")
    if not _NUMBER.match(text):
        return f"{shown} is not a literal number within {where}"
    if not bound.holds(float(text)):
        return f"{shown} is outside {where}"
    return ""


def _values(bound: Bound, invocation: Invocation, spec: ProgramSpec,
            inner: ProgramSpec) -> list[tuple[str, str | None]]:
    """``(shown, value)`` for each place the bound's name is set; value None: unknown."""
    found: list[tuple[str, str | None]] = []
    bare = not bound.name.startswith("-")
    names = _option_names(("--" + bound.name) if bare else bound.name, spec)
    for option in invocation.options:
        if option.name in names:
            found.append(_option_value(option.name, option.value))
    if invocation.dynamic_options or any(w.splits for w in invocation.positionals):
        found.append(("words known only at run time, which may set it", None))
    if not bare:
        return found
    words = [*invocation.positionals, *(o.value for o in invocation.options if o.value)]
    for word in words:
        found.extend(_assignment(bound.name, word))
    for text in _setting_texts(invocation, inner):
        found.extend(_settings(bound.name, text))
    return found


def _option_names(name: str, spec: ProgramSpec) -> frozenset[str]:
    """The canonical names an option may have after analysis, in the program or a subcommand."""
    specs = [spec, *spec.subcommands.values()]
    return frozenset({name, *(s.canonical(name) for s in specs)})


def _option_value(name: str, value: Word | None) -> tuple[str, str | None]:
    if value is None:
        return f"{name} without a value gatekeep can read", None
    if not value.static:
        return f"{name} {value.raw}", None
    return f"{name} {value.value}", value.value


def _assignment(name: str, word: Word) -> list[tuple[str, str | None]]:
    """``name=value`` (or ``a.b.name=value``, as in ``--set a.name=3``)."""
    text = word.value if word.value is not None else word.raw
    key, eq, value = text.partition("=")
    if not eq or not (key == name or key.endswith("." + name)):
        if word.value is None and re.search(rf"(?:^|[.\s]){re.escape(name)}=", word.raw):
            return [(word.raw, None)]
        return []
    return [(text, value if word.static else None)]


def _subcommand(spec: ProgramSpec, positionals: tuple[Word, ...]) -> ProgramSpec:
    """The spec the analysis used: the leading positionals that name subcommands."""
    for word in positionals:
        sub = spec.subcommands.get(word.value or "") if word.static else None
        if sub is None:
            break
        spec = sub
    return spec


def _setting_texts(invocation: Invocation, spec: ProgramSpec) -> list[Word | None]:
    """The texts that may set values: option values the knowledge names, here-documents.

    None stands for text gatekeep does not see (a file, the input): a bounded name there
    cannot be checked.
    """
    if not spec.setting_texts:
        return []
    texts: list[Word | None] = [o.value for o in invocation.options
                                if o.name in spec.setting_texts]
    for redirect in invocation.segment.redirects:
        if redirect.body:
            texts.append(Word(redirect.body, redirect.body, redirect.target.span
                              if redirect.target else invocation.segment.span))
        elif redirect.kind.value == "herestring" or redirect.reads:
            texts.append(redirect.target if redirect.kind.value == "herestring" else None)
    if spec.settings_from_input and not texts:
        texts.append(None)
    return texts


def _settings(name: str, word: Word | None) -> list[tuple[str, str | None]]:
    """Every mention of ``name`` in the text, with the value it sets; a mention in a form
    not read here (``SHOW name``, a JSON patch path) counts as unknown."""
    if word is None:
        return [(f"text gatekeep does not see (a file or the input), which may set {name}",
                 None)]
    if word.value is None:
        return [(f"{word.raw}, text known only at run time", None)]
    text = word.value
    if "\\" in text or "u&" in text.lower():
        # JSON's \u0072eplicas, YAML's \x72, SQL's U&"..." spell a name this reading misses
        return [(f"{_excerpt(text, 0)} (escapes gatekeep does not decode, which may set "
                 f"{name})", None)]
    mention = re.compile(rf"""(?<![\w.$]){re.escape(name)}(?!\w)""", re.IGNORECASE)
    setting = re.compile(rf"""["'`]?{_SETTING_VALUE}""", re.IGNORECASE)
    found: list[tuple[str, str | None]] = []
    for match in mention.finditer(text):
        value = setting.match(text, match.end())
        if value is None:
            found.append((f"{_excerpt(text, match.start())} (a form gatekeep does not read)",
                          None))
        else:
            found.append((_excerpt(text, match.start(), value.end()), value.group(1)))
    return found


def _excerpt(text: str, start: int, end: int | None = None) -> str:
    return " ".join(text[start : end if end is not None else start + 40].split())


# -- packages ------------------------------------------------------------------------
class Finding(NamedTuple):
    """One thing an install takes: ``kind`` name | source | path | unknown."""

    kind: str
    text: str
    word: Word | None = None


def installer(invocation: Invocation, knowledge: Knowledge) -> Installer | None:
    """The installer the invocation is (``pip install``, ``npm i``), if any."""
    program = (invocation.program or "").rsplit("/", 1)[-1]
    candidates = _by_program(knowledge.installers).get(program)
    if not candidates:
        return None
    words = tuple(w.value if w.static else None for w in invocation.positionals)
    return next((k for k in candidates if words[:len(k.words) - 1] == k.words[1:]), None)


_INDEX: dict[int, tuple[tuple[Installer, ...], dict[str, list[Installer]]]] = {}


def _by_program(installers: tuple[Installer, ...]) -> dict[str, list[Installer]]:
    """The installers by program name (every command is judged: a lookup, not a scan)."""
    known = _INDEX.get(id(installers))
    if known is None or known[0] is not installers:
        index: dict[str, list[Installer]] = {}
        for each in installers:
            index.setdefault(each.words[0], []).append(each)
        if len(_INDEX) > 16:
            _INDEX.clear()
        known = _INDEX[id(installers)] = (installers, index)
    return known[1]


def findings(invocation: Invocation, known: Installer) -> list[Finding]:
    """What the install takes, and from where."""
    found = [Finding("source", f"{o.name} {o.value.raw if o.value else ''}".strip())
             for o in invocation.options if o.name in known.source_options]
    for option in invocation.options:
        if option.value is not None and option.name in known.spec_options:
            found.append(_spec(known.kind, option.value))
        elif option.name in known.list_options:
            found.append(Finding("list", option.value.raw, option.value) if option.value
                         else Finding("unknown", option.name))
        elif option.name in known.path_options:
            found.append(Finding("path", option.value.raw, option.value) if option.value
                         else Finding("unknown", option.name))
    if invocation.dynamic_options:
        found.append(Finding("unknown", "words known only at run time"))
    found.extend(_spec(known.kind, w) for w in invocation.positionals[len(known.words) - 1:])
    return found


_URL = on_use(r"[A-Za-z][A-Za-z0-9+.-]*://|(?:git|hg|svn|bzr)\+|git@")
_NPM_SOURCES = ("github:", "gitlab:", "bitbucket:", "gist:", "git:", "http:", "https:")
_ARCHIVES = (".whl", ".tar.gz", ".tgz", ".zip", ".gem", ".crate", ".tar.bz2")


def _spec(kind: str, word: Word) -> Finding:
    """A package word: a name from the registry, a source elsewhere, or a local path."""
    text = word.value
    if text is None or not word.static:
        return Finding("unknown", word.raw, word)
    if _URL.match(text) or "://" in text:
        return Finding("source", text, word)
    if kind == "npm" and text.startswith(("file:", "link:")):
        return Finding("path", text.split(":", 1)[1], word._replace(value=text.split(":", 1)[1]))
    if kind == "npm" and text.startswith(_NPM_SOURCES):
        return Finding("source", text, word)
    if text.startswith(("/", "./", "../", "~", ".")) or word.home or text.endswith(_ARCHIVES):
        return Finding("path", text, word)
    if kind == "npm" and "/" in text and not text.startswith("@"):
        return Finding("source", f"{text} (a GitHub repository)", word)
    if kind == "python" and "/" in text:
        return Finding("path", text, word)
    return Finding("name", _name(kind, text), word)


def _name(kind: str, text: str) -> str:
    """The package name without its version (``requests==2.0``, ``@s/x@1``, ``x@v1``)."""
    if kind == "python":
        return re.split(r"[\[<>=!~;@ ]", text, maxsplit=1)[0]
    if kind == "gem":
        return text.split(":", 1)[0]
    head, at, _ = text[1:].partition("@")
    return text[0] + head if at else text


def name_allowed(guard: PackageGuard, kind: str, name: str) -> bool:
    """Whether a registry name passes the allowlist (a Go module path must always match:
    Go has no registry of names, the path names the host it comes from)."""
    if not guard.names:
        return kind != "go"
    return any(fnmatchcase(name, glob) for glob in guard.names)
