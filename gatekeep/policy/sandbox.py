"""The boundary's policy keys: ``sandbox``, ``sandbox_paths`` and ``limits``.

The extending file speaks last: its mode, its writable list and each limit it names
replace what it inherits (the loader applies a file's own keys after its ``extends``).
"""

from __future__ import annotations

from gatekeep.sandbox.spec import LIMIT_KEYS, MODES, Limits

TYPE_CHECKING = False  # run and hook load this for redaction: they never need yaml
if TYPE_CHECKING:
    from gatekeep.policy.yamlsource import Located

_PATH_KEYS = frozenset({"writable", "owners", "separate", "not_scanned", "bwrap", "readable",
                        "without_secrets"})
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def load_sandbox(key: str, located: Located, settings: dict[str, object]) -> None:
    """Validate one top-level boundary key into ``settings``."""
    if key == "sandbox":
        # YAML reads a bare off as false: that is the mode the operator wrote
        settings["sandbox"] = "off" if located.scalar_or_none() is False \
            else located.choice(MODES)
    elif key == "sandbox_paths":
        paths = located.mapping(_PATH_KEYS)
        for name, value in paths.items():
            settings[f"sandbox_{name}"] = _owners(value) if name == "owners" \
                else _paths(name, value)
    else:
        limits = located.mapping(frozenset(LIMIT_KEYS))
        for name, value in limits.items():
            settings[f"limit_{name}"] = _size(value) if name in ("memory", "output") \
                else value.number(minimum=0)


def _paths(name: str, located: Located) -> tuple[str, ...]:
    values = located.strings()
    for value in values:
        if name == "writable" and not value.startswith(("/", "~/")):
            raise located.error(f"a writable path starts with / or ~/: {value!r}")
        if name == "bwrap" and not value.startswith("/"):
            raise located.error(f"bwrap is named by an absolute path, never looked up: "
                                f"{value!r}")
        if name == "separate" and not _plain_home_path(value):
            raise located.error(f"a separate cache is a directory in the home directory, "
                                f"~/... without wildcards: {value!r}")
        if name == "without_secrets" and not _plain_home_path(value):
            raise located.error(f"a settings file shown without its secrets is a file in the "
                                f"home directory, ~/... without wildcards: {value!r}")
        if name == "readable" and not (value == "~" or value.startswith("~/")):
            raise located.error(f"a readable path is in the home directory: ~ or ~/...: "
                                f"{value!r}")
        if name == "not_scanned" and "/" in value:
            raise located.error(f"not_scanned names directories by name: {value!r}")
    return values


def _owners(located: Located) -> tuple[tuple[str, str], ...]:
    """``{PROGRAM: [CACHE, ...]}``: the shared caches a download by PROGRAM writes."""
    pairs: list[tuple[str, str]] = []
    for program, caches in located.mapping().items():
        if not program or "/" in program:
            raise located.error(f"an owner is a program's name, not a path: {program!r}")
        for cache in _paths("writable", caches):
            pairs.append((program, cache))
    return tuple(pairs)


def _plain_home_path(value: str) -> bool:
    """``~/a/b``: a directory in the home, named without wildcards or ``..``."""
    names = value.split("/")
    return names[0] == "~" and any(names[1:]) and ".." not in names \
        and not any(char in value for char in "*?[")


def _size(located: Located) -> float:
    """Bytes: a number, or a number with K, M, G or T (powers of 1024)."""
    value = located.scalar()
    if isinstance(value, str) and value[:-1].isdigit() and value[-1:].upper() in _UNITS:
        return float(int(value[:-1]) * _UNITS[value[-1].upper()])
    return located.number(minimum=0)


def sandbox_fields(settings: dict[str, object]) -> dict[str, object]:
    """The Policy fields of the boundary keys that were given (the rest keep defaults)."""
    fields: dict[str, object] = {k: v for k, v in settings.items() if k.startswith("sandbox")}
    given = {k[len("limit_"):]: v for k, v in settings.items() if k.startswith("limit_")}
    if given:
        fields["limits"] = Limits(**given)  # type: ignore[arg-type]
    return fields
