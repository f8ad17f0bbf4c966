"""Output written without rich on a pipe is the bytes rich writes there (``gatekeep.ui.plain``).

Each case renders the same input twice: as gatekeep does on a pipe, and through rich with
``TTY_COMPATIBLE=0`` (a console that is no terminal, which gatekeep leaves to rich).
"""

from __future__ import annotations

import io
import os
from types import SimpleNamespace
from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from gatekeep.offline.stats import Stats
from gatekeep.ui import auditview, plain
from gatekeep.ui.decision import print_decision

# ASCII, the bars, characters of two cells and of none, control characters, other spaces
CHARS = st.sampled_from(list("ab -_/.:[]()'\\") + ["█", "é", "日", "\u0301", "\x1b", "\t",
                                                   "\n", "\u00a0", "\u2028", "\x07"])
TEXT = st.text(CHARS, max_size=12) | st.builds(lambda s, n: s * n, st.text(CHARS, max_size=3),
                                               st.integers(0, 160))
KINDS = st.sampled_from(["allow", "ask", "deny", "end", "other"])


def both(render: Any) -> tuple[str, str]:
    """What ``render(stdout)`` writes on a pipe, and through rich on the same pipe."""
    outputs = []
    for overrides in ({}, {"TTY_COMPATIBLE": "0"}):
        with mock.patch.dict(os.environ, overrides):
            os.environ.pop("FORCE_COLOR", None)
            if not overrides:
                os.environ.pop("TTY_COMPATIBLE", None)
            out = io.StringIO()
            render(out)
            outputs.append(out.getvalue())
    return outputs[0], outputs[1]


def entries(text: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"time": text, "decision": KINDS, "command": text, "rules": st.lists(text, max_size=3),
         "session": text},
        optional={"exit_code": st.integers(-3, 300), "signal": text, "why": text})


# most tables of mixed text go to rich: half of them are of text that gatekeep writes itself
ASCII = st.text(st.sampled_from(list("ab -_/.:[]()'\\")), max_size=12) | st.builds(
    lambda s, n: s * n, st.sampled_from(["a", "b ", "  "]), st.integers(0, 140))


@settings(max_examples=300, deadline=None)
@given(st.lists(entries(ASCII), max_size=4) | st.lists(entries(TEXT), max_size=4),
       st.booleans(), st.booleans())
def test_the_log_table(rows: list[dict[str, Any]], header: bool, color: bool) -> None:
    if not rows and not header:
        rows = [{"decision": "allow", "command": ""}]  # gatekeep log -f prints one at a time
    ours, rich = both(lambda out: auditview.table(rows, out, color, header=header))
    assert ours == rich


counts = st.lists(st.tuples(TEXT, st.integers(0, 50)), max_size=4)
days = st.lists(st.tuples(TEXT, st.dictionaries(st.sampled_from(["allow", "ask", "deny"]),
                                                st.integers(0, 9))), max_size=3)
stats = st.builds(Stats, counts.map(tuple), days.map(tuple), counts.map(tuple),
                  counts.map(tuple), st.lists(st.floats(0, 1e4), max_size=3).map(tuple))


@settings(max_examples=300, deadline=None)
@given(stats, st.booleans())
def test_the_stats_report(summary: Stats, color: bool) -> None:
    ours, rich = both(lambda out: auditview.report(summary, [], out, color))
    assert ours == rich


segments = st.builds(
    SimpleNamespace, decision=st.sampled_from(["allow", "ask", "deny"]), text=TEXT,
    wrapper=TEXT, rules=st.lists(TEXT, max_size=2), reason=TEXT, does=TEXT, derived=st.booleans(),
    suggest=TEXT, binding=st.one_of(st.none(), TEXT))
decisions = st.builds(SimpleNamespace, decision=st.sampled_from(["allow", "ask", "deny"]),
                      command=TEXT, segments=st.lists(segments, max_size=3),
                      policies=st.lists(st.tuples(TEXT, st.just("")), min_size=1, max_size=2))


@settings(max_examples=300, deadline=None)
@given(decisions, st.booleans())
def test_a_decision(decision: Any, color: bool) -> None:
    ours, rich = both(lambda out: print_decision(out, decision, color))
    assert ours == rich


def test_plain_text_is_written_only_where_rich_is_no_terminal() -> None:
    pipe = io.StringIO()
    with mock.patch.dict(os.environ, {"FORCE_COLOR": "1"}):
        assert not plain.without_rich(pipe)
    with mock.patch.dict(os.environ, {"TTY_COMPATIBLE": "1"}):
        assert not plain.without_rich(pipe)
    with mock.patch.dict(os.environ):
        for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
            os.environ.pop(name, None)
        assert plain.without_rich(pipe)
        assert not plain.without_rich(io.TextIOWrapper(io.BytesIO(), encoding="latin-1"))
        closed = io.StringIO()
        closed.close()
        assert not plain.without_rich(closed)


def test_forced_colour_still_goes_through_rich() -> None:
    rows = [{"decision": "deny", "command": "rm -rf /", "rules": ["r"]}]
    with mock.patch.dict(os.environ, {"FORCE_COLOR": "1"}):
        out = io.StringIO()
        auditview.table(rows, out, color=True)
    assert "\x1b[31mdeny" in out.getvalue()
