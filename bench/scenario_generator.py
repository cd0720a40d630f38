"""A seeded generator of scenario sets of any size, made from the shipped event types and names.

The benchmark needs scenario sets of tens to hundreds of scenarios on the shipped data. They are
drawn here, not written by hand, so that every size is reproducible from (case, S, months, seed):
the same arguments give the same ScenarioSet, event for event.

What is drawn (ranges are module constants, documented in bench/README.md):

- scenario 0, ``calm``, has no events and probability CALM_PROBABILITY (all of it when S = 1);
- every other scenario has EVENTS_PER_SCENARIO events; each event's type is drawn with
  EVENT_TYPE_WEIGHTS and its names from the case (commodities, their suppliers, members,
  chokepoints);
- an export ban targets one member alone with probability MEMBER_TARGETED_SHARE (as the 2010
  rare-earth cut on Japan), else every member;
- start month uniform in 1..months, duration uniform in DURATION_MONTHS, severity, demand change
  and price multiplier uniform in their ranges, rounded to two decimals;
- months of warning uniform in WARNING_MONTHS, at most start - 1 (0: a surprise, announced when
  it starts), so that scenarios part from the calm one at different months (optimizer.tree);
- the other scenarios share 1 - CALM_PROBABILITY in proportion to weights uniform in
  PROBABILITY_WEIGHT; the last probability is 1 minus the others, so the sum is exactly 1.
"""

from __future__ import annotations

import numpy as np

from optimizer import Case, ScenarioSet, scenario_set_from_dict

CALM_PROBABILITY = 0.4
EVENTS_PER_SCENARIO = (1, 3)  # inclusive range
EVENT_TYPE_WEIGHTS = {"export_ban": 0.4, "chokepoint_closure": 0.2,
                      "demand_shock": 0.2, "price_shock": 0.2}
MEMBER_TARGETED_SHARE = 0.3
DURATION_MONTHS = (1, 12)  # inclusive range
WARNING_MONTHS = (0, 3)  # inclusive range
BAN_SEVERITY = (0.3, 1.0)
DEMAND_CHANGE = (-0.2, 0.3)
PRICE_MULTIPLIER = (1.2, 3.0)
PROBABILITY_WEIGHT = (0.5, 1.5)


def generate_scenario_set(case: Case, n_scenarios: int, months: int, seed: int = 0) -> ScenarioSet:
    """A validated set of `n_scenarios` scenarios over `months` months, reproducible from `seed`."""
    if n_scenarios < 1 or months < 1:
        raise ValueError("n_scenarios and months must be at least 1")
    rng = np.random.default_rng(seed)
    entries = [{"name": "calm", "probability": 0.0, "events": []}]
    entries += [{"name": f"gen{i:04d}", "probability": 0.0, "events": _events(rng, case, months)}
                for i in range(1, n_scenarios)]
    for entry, p in zip(entries, _probabilities(rng, n_scenarios)):
        entry["probability"] = p
    data = {"name": f"generated_{n_scenarios}x{months}_seed{seed}",
            "title": f"{n_scenarios} generated scenarios over {months} months (seed {seed})",
            "horizon_months": months, "scenarios": entries}
    return scenario_set_from_dict(data, case, file=f"{data['name']}.yaml")


def _probabilities(rng: np.random.Generator, n: int) -> list[float]:
    if n == 1:
        return [1.0]
    weights = rng.uniform(*PROBABILITY_WEIGHT, size=n - 1)
    rest = list((1.0 - CALM_PROBABILITY) * weights / weights.sum())
    rest[-1] = 1.0 - CALM_PROBABILITY - sum(rest[:-1])  # exact sum, whatever the rounding
    return [CALM_PROBABILITY] + rest


def _events(rng: np.random.Generator, case: Case, months: int) -> list[dict]:
    types = list(EVENT_TYPE_WEIGHTS)
    weights = np.array(list(EVENT_TYPE_WEIGHTS.values()))
    count = int(rng.integers(EVENTS_PER_SCENARIO[0], EVENTS_PER_SCENARIO[1] + 1))
    kinds = rng.choice(types, size=count, p=weights / weights.sum())
    return [_MAKERS[str(kind)](rng, case) | _timing(rng, months) for kind in kinds]


def _timing(rng: np.random.Generator, months: int) -> dict:
    start = int(rng.integers(1, months + 1))
    timing = {"start_month": start,
              "duration_months": int(rng.integers(DURATION_MONTHS[0], DURATION_MONTHS[1] + 1))}
    warning = min(int(rng.integers(WARNING_MONTHS[0], WARNING_MONTHS[1] + 1)), start - 1)
    if warning:
        timing["warning_months"] = warning
    return timing


def _pick(rng: np.random.Generator, names: list[str]) -> str:
    return names[int(rng.integers(len(names)))]


def _uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    return round(float(rng.uniform(*bounds)), 2)


def _export_ban(rng: np.random.Generator, case: Case) -> dict:
    commodity = _pick(rng, case.commodities)
    event = {"type": "export_ban", "commodity": commodity,
             "supplier": _pick(rng, case.suppliers(commodity)),
             "severity": _uniform(rng, BAN_SEVERITY)}
    if rng.random() < MEMBER_TARGETED_SHARE:
        event["members"] = [_pick(rng, case.members)]
    return event


def _chokepoint_closure(rng: np.random.Generator, case: Case) -> dict:
    return {"type": "chokepoint_closure", "chokepoint": _pick(rng, case.chokepoints)}


def _demand_shock(rng: np.random.Generator, case: Case) -> dict:
    return {"type": "demand_shock", "commodity": _pick(rng, case.commodities),
            "change": _uniform(rng, DEMAND_CHANGE)}


def _price_shock(rng: np.random.Generator, case: Case) -> dict:
    commodity = _pick(rng, case.commodities)
    return {"type": "price_shock", "commodity": commodity,
            "suppliers": [_pick(rng, case.suppliers(commodity))],
            "multiplier": _uniform(rng, PRICE_MULTIPLIER)}


_MAKERS = {"export_ban": _export_ban, "chokepoint_closure": _chokepoint_closure,
           "demand_shock": _demand_shock, "price_shock": _price_shock}
