"""The guardrails of values, sources and limits: ``bounds:``, ``packages:``, a rule's ``limits:``.

What they mean for a command is ``gatekeep.core.values``; here they are read and checked:
a bound that no value can meet, or an allowlist entry that is no package name, is an error
(a guardrail that can never be met would turn its rule into a silent ask).
"""

from __future__ import annotations

from gatekeep.runtime.patterns import on_use
from gatekeep.sandbox.records import NamedTuple
from gatekeep.sandbox.spec import LIMIT_KEYS, Limits

TYPE_CHECKING = False  # the engine imports this module: it never needs yaml
if TYPE_CHECKING:
    from gatekeep.policy.yamlsource import Located

_RANGE = on_use(r"\s*(-?\d+(?:\.\d+)?)?\s*\.\.\s*(-?\d+(?:\.\d+)?)?\s*\Z")
_KEY = on_use(r"-{0,2}[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
# a registry name (requests, left-pad, @scope/name), a scope (@myorg/*), or a Go module path
# (golang.org/x/*): letters, digits and . _ - / with * as a glob; no URL, no path, no option
_PACKAGE = on_use(r"(@[A-Za-z0-9*][A-Za-z0-9._*-]*/)?[A-Za-z0-9*][A-Za-z0-9._*~/-]*\Z")
_PACKAGE_KEYS = frozenset({"sources", "names"})
SOURCES = ("ask", "deny")


class Bound(NamedTuple):
    """A numeric range for the values of one option, ``key=`` operand or named setting.

    ``name`` with dashes (``--replicas``, ``-j``) names an option only; a bare name
    (``replicas``, ``max_connections``) names the option ``--name``, ``name=`` words and
    settings inside SQL or config text the program knowledge points at.
    """

    name: str
    low: float | None
    high: float | None
    text: str

    def holds(self, value: float) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


class PackageGuard(NamedTuple):
    """Which package installs pass: by name from the default registry, ``names`` if given."""

    sources: str = "ask"  # an install from anywhere else: ask | deny
    names: tuple[str, ...] = ()  # globs of names (and scopes, Go module paths); () is any


def load_bounds(located: Located) -> tuple[Bound, ...]:
    """``bounds: {"--replicas": "1..10", max_connections: "..200"}``."""
    bounds = []
    for name, value in located.mapping().items():
        if not _KEY.match(name):
            raise value.error(f"a bound names an option (--replicas, -j) or a setting "
                              f"(max_connections), got {name!r}")
        bounds.append(_bound(name, value))
    if not bounds:
        raise located.error("bounds: name at least one value")
    return tuple(bounds)


def _bound(name: str, located: Located) -> Bound:
    raw = located.scalar()
    text = raw if isinstance(raw, str) else ""
    found = _RANGE.match(text)
    if found is None or (found.group(1) is None and found.group(2) is None):
        raise located.error(f"a bound is a range such as \"1..10\", \"..200\" or \"4..\", "
                            f"got {raw!r}")
    low = float(found.group(1)) if found.group(1) is not None else None
    high = float(found.group(2)) if found.group(2) is not None else None
    if low is not None and high is not None and low > high:
        raise located.error(f"the bound {text!r} of {name} can never be met: its lower end "
                            "is above its upper end")
    return Bound(name, low, high, text.strip())


def load_packages(located: Located) -> PackageGuard:
    """``packages: {sources: ask | deny, names: [requests, "@myorg/*"]}``."""
    fields = located.mapping(_PACKAGE_KEYS)
    sources = fields["sources"].choice(SOURCES) if "sources" in fields else "ask"
    names = tuple(_package(item) for item in fields["names"].items()) \
        if "names" in fields else ()
    return PackageGuard(sources, names)


def _package(located: Located) -> str:
    name = located.string()
    if not _PACKAGE.match(name) or "//" in name or name.startswith(("-", ".")):
        raise located.error(f"not a package name or scope: {name!r} (names are such as "
                            "requests, left-pad, @myorg/* or golang.org/x/*)")
    return name


def load_limits(located: Located) -> tuple[tuple[str, float], ...]:
    """A rule's ``limits:`` (the keys and units of the policy's): the limits it names, which
    replace the policy's for what the rule allows (0: none)."""
    from gatekeep.policy.sandbox import load_sandbox

    settings: dict[str, object] = {}
    load_sandbox("limits", located, settings)
    if not settings:
        raise located.error(f"limits: name at least one of {', '.join(LIMIT_KEYS)}")
    return tuple((key[len("limit_"):], float(value))  # type: ignore[arg-type]
                 for key, value in settings.items())


def rule_limits(policy_limits: Limits, named: tuple[tuple[str, float], ...]) -> Limits:
    """The policy's limits with those a rule names in their place."""
    return policy_limits._replace(**dict(named))
