"""Exact Poisson control limits (breaches/stats.py) against scipy, an independent
implementation of the Poisson distribution."""

import pytest
from scipy.stats import beta, poisson

from breaches.stats import LIMITS, control_limits, poisson_quantile_limit, rank_intervals


def spiegelhalter(mean: float, p: float) -> float:
    """Spiegelhalter (2005), appendix A.1.2, computed with scipy's quantile and cdf."""
    r = poisson.ppf(p, mean)
    above, below = poisson.cdf(r, mean), poisson.cdf(r - 1, mean)
    return max(r - (above - p) / (above - below), 0.0)


@pytest.mark.parametrize("mean", [0.05, 0.7, 3.0, 12.5, 48.0, 160.0, 488.0, 2315.0, 20000.0])
@pytest.mark.parametrize("p", [0.001, 0.025, 0.5, 0.975, 0.999])
def test_interpolated_quantile_matches_scipy(mean, p):
    assert poisson_quantile_limit(mean, p) == pytest.approx(spiegelhalter(mean, p), abs=1e-6)


def test_limits_widen_as_exposure_shrinks_and_bracket_the_rate():
    rate = 0.0559  # per officer
    narrow, wide = control_limits(rate, 7000), control_limits(rate, 1200)
    for level in LIMITS:
        assert wide[level][0] < narrow[level][0] < rate < narrow[level][1] < wide[level][1]
    # 99.8% limits lie outside the 95% limits.
    assert narrow["99.8"][0] < narrow["95"][0]
    assert narrow["95"][1] < narrow["99.8"][1]


def test_limits_at_an_exposure_are_the_count_limits_over_it():
    limits = control_limits(0.05, 2000)  # expected count 100
    assert limits["95"][1] * 2000 == pytest.approx(spiegelhalter(100, 0.975), abs=1e-6)
    assert limits["99.8"][0] * 2000 == pytest.approx(spiegelhalter(100, 0.001), abs=1e-6)


def test_rank_intervals_on_tables_whose_answer_is_known():
    # Far apart: every simulation ranks them the same way, so each range is one rank.
    apart = rank_intervals([("big", 5000, 1), ("middle", 500, 1), ("small", 5, 1)])
    assert apart == {"big": (1, 1), "middle": (2, 2), "small": (3, 3)}
    # Equal counts and exposures: indistinguishable, so each could be anywhere, all alike.
    equal = rank_intervals([(name, 40, 1) for name in "abcd"])
    assert set(equal.values()) == {(1, 4)}
    # A rate: the same count over ten times the officers is a tenth of the rate.
    rates = rank_intervals([("small force", 300, 1.0), ("large force", 300, 10.0)])
    assert rates == {"small force": (1, 1), "large force": (2, 2)}


def test_rank_intervals_cover_the_point_rank_and_are_reproducible():
    counts = [488, 202, 168, 163, 98, 81, 63, 30, 17, 13, 8]
    entries = [(i, count, 1) for i, count in enumerate(counts)]
    intervals = rank_intervals(entries)
    assert intervals == rank_intervals(entries)  # a fixed seed: the page never flickers
    for rank, key in enumerate(range(len(counts)), start=1):
        low, high = intervals[key]
        assert low <= rank <= high
    # Small counts are uncertain: 13 and 8 overlap, 488 and 202 do not.
    assert intervals[9][1] >= intervals[10][0]
    assert intervals[0] == (1, 1)


@pytest.mark.parametrize(("a", "b"), [(7, 7), (12, 8), (30, 10), (70, 40), (2, 0), (5, 0)])
def test_two_forces_against_the_exact_probability_of_ranking_first(a, b):
    # With two forces, A ranks first in a draw when Gamma(a + 1/2) > Gamma(b + 1/2), that is
    # when Beta(a + 1/2, b + 1/2) > 1/2 (scipy's beta, independent of the simulation). A's
    # range is rank 1 alone when that happens in more than 97.5% of draws (give or take the
    # simulation's error, so cases near 97.5% are not chosen here).
    first = 1 - beta.cdf(0.5, a + 0.5, b + 0.5)
    assert abs(first - 0.975) > 0.01
    expected = (1, 1) if first > 0.975 else (1, 2)
    assert rank_intervals([("a", a, 1), ("b", b, 1)])["a"] == expected
