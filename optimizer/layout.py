"""Where each variable and constraint of a built model sits in its compiled LP.

Made once per compiled model, it lets the result tables and the warm re-solve work on HiGHS's
arrays (values, duals, bounds) by component name and index, instead of going back through
millions of Pyomo objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo

from .solve import CompiledLP

MISSING = -1  # position of a variable or row the compiler left out (it appears nowhere)


@dataclass
class Family:
    """One indexed component: its keys in build order and the LP column or row of each."""

    keys: list
    positions: np.ndarray
    _lookup: dict | None = field(default=None, repr=False)
    _by_first: dict | None = field(default=None, repr=False)

    def take(self, array: np.ndarray, missing: float = 0.0) -> np.ndarray:
        """array[position] per key (missing where the compiler left the key out)."""
        out = np.full(len(self.keys), missing, dtype=float)
        present = self.positions != MISSING
        out[present] = np.asarray(array)[self.positions[present]]
        return out

    def indices_of(self, first) -> np.ndarray:
        """Indices (into keys) of the keys that start with `first` (e.g. one scenario's) and are in the LP."""
        if self._by_first is None:
            groups: dict = {}
            for i, (key, position) in enumerate(zip(self.keys, self.positions.tolist())):
                if position != MISSING and isinstance(key, tuple):
                    groups.setdefault(key[0], []).append(i)
            self._by_first = {k: np.array(v, dtype=np.int64) for k, v in groups.items()}
        return self._by_first.get(first, np.zeros(0, dtype=np.int64))

    def position_of(self, key) -> int:
        if self._lookup is None:
            self._lookup = dict(zip(self.keys, self.positions.tolist()))
        return self._lookup.get(key, MISSING)


@dataclass
class LPLayout:
    columns: dict[str, Family]
    rows: dict[str, Family]

    @classmethod
    def of(cls, model: pyo.ConcreteModel, compiled: CompiledLP) -> "LPLayout":
        return cls(_families(model, pyo.Var, compiled.columns), _families(model, pyo.Constraint, compiled.rows))

    def size(self, which: str) -> int:
        """How many variables ("columns") or constraints ("rows") the model has."""
        return sum(len(family.keys) for family in getattr(self, which).values())

    def column(self, name: str) -> Family:
        return self.columns.get(name) or Family([], np.zeros(0, dtype=np.int64))

    def row(self, name: str) -> Family:
        return self.rows.get(name) or Family([], np.zeros(0, dtype=np.int64))


def _families(model: pyo.ConcreteModel, ctype, compiled: list) -> dict[str, Family]:
    position = {id(data): j for j, data in enumerate(compiled)}
    families = {}
    for component in model.component_objects(ctype, active=True if ctype is pyo.Constraint else None,
                                             descend_into=True):
        keys = list(component.keys())
        positions = np.fromiter((position.get(id(data), MISSING) for data in component.values()),
                                dtype=np.int64, count=len(keys))
        families[component.name] = Family(keys, positions)
    return families
