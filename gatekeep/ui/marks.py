"""The one colour table of the three decisions (no rich: views that may not need it read it)."""

from __future__ import annotations

from gatekeep.core.explain import MARKS as SIGNS

STYLES = {"allow": "green", "ask": "yellow", "deny": "red"}
MARKS = {kind: (SIGNS[kind], style) for kind, style in STYLES.items()}
