"""Statistics for fair comparison: exact Poisson control limits for funnel plots.

Spiegelhalter, D. J. (2005), "Funnel plots for comparing institutional performance",
Statistics in Medicine 24(8):1185-1202, section 3 and appendix A.1.2 (Poisson counts): a
force whose count is Poisson with mean E (its officers times the national rate) has control
limits at the p-quantiles of that distribution. A Poisson count is whole, so the quantile
is interpolated between whole numbers to give the smooth funnel of the paper:

    r_p   = the smallest r with P(Y <= r) >= p
    alpha = (P(Y <= r_p) - p) / (P(Y <= r_p) - P(Y <= r_p - 1))
    limit = r_p - alpha

Pure Python (math.lgamma), so the app needs no numerical library; tests check every value
against scipy.stats.poisson, an independent implementation.
"""

from __future__ import annotations

import functools
import math
import random

# Two-sided control limits: 95% (about 2 standard deviations) and 99.8% (about 3).
LIMITS = {"95": (0.025, 0.975), "99.8": (0.001, 0.999)}


# Terms more than this many standard deviations below the mean add less than 1e-22 to
# P(Y <= r): far below the precision of a float next to p >= 0.001, so they are skipped.
SKIP_SD = 10


def poisson_quantile_limits(mean: float, ps: list[float]) -> list[float]:
    """Spiegelhalter's interpolated p-quantile of Poisson(mean) for each p (ascending), as
    counts (see the module's docstring); one pass over the distribution for all of them."""
    if mean <= 0:
        return [0.0] * len(ps)
    first = max(0, math.floor(mean - SKIP_SD * math.sqrt(mean)))
    log_mean = math.log(mean)
    limits: list[float] = []
    below = cumulative = 0.0
    r = first
    while len(limits) < len(ps):
        below = cumulative
        cumulative += math.exp(-mean + r * log_mean - math.lgamma(r + 1))
        while len(limits) < len(ps) and cumulative >= ps[len(limits)]:
            p = ps[len(limits)]
            alpha = (cumulative - p) / (cumulative - below)
            limits.append(max(r - alpha, 0.0))  # a count is never below 0
        r += 1
    return limits


def poisson_quantile_limit(mean: float, p: float) -> float:
    return poisson_quantile_limits(mean, [p])[0]


def control_limits(rate: float, exposure: float) -> dict[str, tuple[float, float]]:
    """Lower and upper limits on the rate, for each level in LIMITS, at this exposure.

    `rate` is events per unit of exposure (the national rate); the limits are in the same
    units: the count limits divided by the exposure.
    """
    ps = sorted(p for pair in LIMITS.values() for p in pair)
    counts = dict(zip(ps, poisson_quantile_limits(rate * exposure, ps), strict=True))
    return {
        level: (counts[low] / exposure, counts[high] / exposure)
        for level, (low, high) in LIMITS.items()
    }


# --- Rank intervals -------------------------------------------------------------------------
#
# A league table's rank is uncertain when counts are small: a force ranked 3rd might, with
# the same underlying rate, have come anywhere from 2nd to 6th. Goldstein & Spiegelhalter
# (1996), "League tables and their limitations: statistical issues in comparisons of
# institutional performance", JRSS A 159(3):385-443, recommend showing an interval for each
# rank; Marshall & Spiegelhalter (1998), BMJ 316:1701-1705, compute them by simulation, as
# here: each force's underlying count is drawn from its distribution given the published count
# (Gamma(count + 1/2, 1), the Jeffreys posterior of a Poisson mean), divided by the force's
# exposure (officers, or years) when the table ranks a rate; the forces are ranked in every
# draw; the interval holds the middle 95% of a force's ranks.

SIMULATIONS = 1000
SEED = 20050401  # fixed: the same table always shows the same intervals


def rank_intervals(
    entries: list[tuple[object, int, float]],
    *,
    simulations: int = SIMULATIONS,
    seed: int = SEED,
    coverage: float = 0.95,
) -> dict[object, tuple[int, int]]:
    """key -> (best, worst) rank, 1 the highest, for entries of (key, count, exposure).

    The value ranked is count / exposure (exposure 1 ranks counts).
    """
    draws = random.Random(seed)  # noqa: S311 (a simulation, not a secret: reproducible on purpose)
    ranks: dict[object, list[int]] = {key: [] for key, _, _ in entries}
    for _ in range(simulations):
        values = [
            (draws.gammavariate(count + 0.5, 1.0) / exposure, key)
            for key, count, exposure in entries
        ]
        values.sort(key=lambda pair: pair[0], reverse=True)
        for position, (_, key) in enumerate(values, start=1):
            ranks[key].append(position)
    tail = (1 - coverage) / 2
    intervals = {}
    for key, seen in ranks.items():
        seen.sort()
        low = seen[math.floor(tail * (len(seen) - 1))]
        high = seen[math.ceil((1 - tail) * (len(seen) - 1))]
        intervals[key] = (low, high)
    # Ties stay honest: forces with the same count and exposure are indistinguishable, so
    # they get the same interval (the widest of their simulated ones, not one by chance).
    ties: dict[tuple[int, float], list[object]] = {}
    for key, count, exposure in entries:
        ties.setdefault((count, exposure), []).append(key)
    for keys in ties.values():
        low = min(intervals[key][0] for key in keys)
        high = max(intervals[key][1] for key in keys)
        intervals.update(dict.fromkeys(keys, (low, high)))
    return intervals


@functools.lru_cache(maxsize=256)
def cached_rank_intervals(entries: tuple[tuple[object, int, float], ...]) -> dict:
    """rank_intervals, remembered per process: a table's entries change only with its data,
    and the simulation costs a few tenths of a second for 43 forces."""
    return rank_intervals(list(entries))
