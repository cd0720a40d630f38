"""Risk measures of a discrete distribution of scenario costs."""

from __future__ import annotations


def conditional_value_at_risk(costs: list[float], probabilities: list[float], level: float) -> float:
    """CVaR_level: the probability-weighted mean of the worst (1 - level) share of outcomes.

    Outcomes are taken from the most expensive down until the tail mass 1 - level is filled; the
    outcome that straddles the boundary counts with the part of its probability inside the tail."""
    if not 0 <= level < 1:
        raise ValueError(f"CVaR level must be in [0, 1), not {level}")
    tail = 1.0 - level
    remaining, total = tail, 0.0
    for cost, prob in sorted(zip(costs, probabilities), key=lambda cp: -cp[0]):
        take = min(prob, remaining)
        total += take * cost
        remaining -= take
        if remaining <= 1e-15:
            break
    return total / tail
