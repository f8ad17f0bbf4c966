"""The keys and choices of the policy format, shared by the loader and the schema.

They live apart from the loader so that ``gatekeep schema`` builds the schema from
the very sets the loader checks, without importing YAML or the loader's modules.
"""

from __future__ import annotations

DECISIONS = ("allow", "ask", "deny")
MODES = ("enforce", "observe")  # a policy's ``mode``
SANDBOX_KEYS = frozenset({"sandbox", "sandbox_paths", "limits"})
TOP_KEYS = frozenset({"gatekeep", "extends", "default", "unparseable", "prompt", "protect",
                      "rules", "tests", *SANDBOX_KEYS, "when", "mode", "packages", "audit"})
RULE_KEYS = frozenset({"id", "allow", "ask", "deny", "reason", "suggest", "tests",
                       "when", "rate", "bounds", "packages", "limits", "overrides"})
PATTERN_KEYS = frozenset({"program", "args", "flags", "without", "effects"})
TEST_KEYS = frozenset({"cmd", "expect", "cwd", "at", "count"})
WHEN_KEYS = frozenset({"days", "hours", "tz", "exclude"})
RATE_KEYS = frozenset({"limit", "per", "over"})
# what a rule's ``overrides`` may name besides inherited rule ids: checks that fail closed
LIFTABLE_CHECKS = ("protect.write", "protect.read", "path:outside", "path:runs-code",
                   "path:unknown", "self-protection")
