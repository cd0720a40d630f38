"""The samples of a sweep: which parameter values each sample solves (docs/sweeps.md, "Methods").

- oat: sample 0 is the base (every parameter at its base value); then, for each parameter in turn,
  one sample at its low and one at its high, the others at base: 1 + 2 D samples.
- morris: SALib's Morris trajectories (4 levels): `samples` trajectories of D + 1 samples.
- sobol: SALib's Saltelli scheme on the Sobol' sequence, first and total order only
  (calc_second_order=False): `samples` (a power of 2) x (D + 2) samples.
- lhs: a Latin hypercube of `samples` samples (SALib), uniform on each range.
- mc: `samples` independent uniform draws.

Values are stored as sampled; an integer parameter is drawn on [low - 0.5, high + 0.5] and rounded
when applied (parameters.Parameter.applied). A parameter whose low equals its high cannot move the
answer: it stays at its base value and is left out of the design (`fixed`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError, Problem
from .parameters import Parameter

METHODS = ("oat", "morris", "sobol", "lhs", "mc")
MORRIS_LEVELS = 4
BASE_LABEL = "base"


@dataclass
class Design:
    method: str
    names: list[str]  # the varied parameters, the design's columns
    values: np.ndarray  # one row per sample, one column per varied parameter (as sampled)
    labels: list[str]  # oat: "base", "<parameter>:low", "<parameter>:high"; others ""
    settings: dict = field(default_factory=dict)  # samples, seed, levels, ...
    fixed: list[str] = field(default_factory=list)  # parameters with low == high, kept at base

    @property
    def size(self) -> int:
        return len(self.values)


def varied(parameters: list[Parameter]) -> tuple[list[Parameter], list[str]]:
    """The parameters a design moves, and the names of those that cannot move (low == high)."""
    moving = [p for p in parameters if p.high > p.low]
    return moving, [p.name for p in parameters if p.high <= p.low]


def salib_problem(parameters: list[Parameter]) -> dict:
    return {"num_vars": len(parameters), "names": [p.name for p in parameters],
            "bounds": [list(p.sampling_bounds()) for p in parameters]}


def make_design(parameters: list[Parameter], method: str, samples: int | None, seed: int,
                origin: str = "sweep") -> Design:
    """The design of `method` over the parameters that can move; InputError for a bad count."""
    moving, fixed = varied(parameters)
    if not moving:
        raise InputError([Problem(origin, None, "parameters", "no parameter has a range (low < high) to sweep")])
    _check_count(method, samples, origin)
    problem = salib_problem(moving)
    settings = {"samples": samples, "seed": seed}
    labels: list[str] = []
    if method == "oat":
        values, labels = _one_at_a_time(moving)
        settings["samples"] = None
    elif method == "morris":
        from SALib.sample import morris

        values = morris.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=seed)
        settings["levels"] = MORRIS_LEVELS
    elif method == "sobol":
        from SALib.sample import sobol

        values = sobol.sample(problem, samples, calc_second_order=False, seed=seed)
        settings["calc_second_order"] = False
    elif method == "lhs":
        from SALib.sample import latin

        values = latin.sample(problem, samples, seed=seed)
    else:
        bounds = np.array(problem["bounds"])
        values = np.random.default_rng(seed).uniform(bounds[:, 0], bounds[:, 1], size=(samples, len(moving)))
    values = np.asarray(values, dtype=float)
    return Design(method, [p.name for p in moving], values, labels or [""] * len(values), settings, fixed)


def _one_at_a_time(parameters: list[Parameter]) -> tuple[np.ndarray, list[str]]:
    base = np.array([p.base for p in parameters], dtype=float)
    rows, labels = [base], [BASE_LABEL]
    for j, p in enumerate(parameters):
        for end, value in (("low", p.low), ("high", p.high)):
            row = base.copy()
            row[j] = value
            rows.append(row)
            labels.append(f"{p.name}:{end}")
    return np.vstack(rows), labels


def _check_count(method: str, samples: int | None, origin: str) -> None:
    if method not in METHODS:
        raise InputError([Problem(origin, None, "method", f"unknown method '{method}'; valid: {', '.join(METHODS)}")])
    if method == "oat":
        return
    if samples is None or samples < 2:
        raise InputError([Problem(origin, None, "samples", f"method {method} needs --samples of 2 or more")])
    if method == "sobol" and samples & (samples - 1):
        raise InputError([Problem(origin, None, "samples", f"sobol needs a power of 2 (the Sobol' sequence's "
                                  f"balance); {samples} is not: try {1 << samples.bit_length()}")])
