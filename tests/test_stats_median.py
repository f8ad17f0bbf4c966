"""``log stats``'s median of the times waited is the standard library's."""

from __future__ import annotations

import statistics

from hypothesis import given
from hypothesis import strategies as st

from gatekeep.offline.stats import median


@given(st.lists(st.floats(0, 1e12) | st.integers(0, 10**6)))
def test_the_median_is_statistics_median(values: list[float]) -> None:
    expected = statistics.median(values) if values else 0.0
    assert median(iter(values)) == expected
    assert type(median(iter(values))) is type(expected)
