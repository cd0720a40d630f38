"""A scenario-keyed parameter with a value at every key of a product, for every scenario."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import product

import numpy as np

from .keys import Keys


class ScenarioTable(Mapping):
    """values[i, j]: the value in scenarios[i] at the j-th tail of product(*levels), in product
    order (e.g. levels (routes, months): the import price of each route by arrival month).

    It reads as the dict it stands for, keyed (s, *tail) in scenario-major product order, so the
    blocks look up p.demand[(s, c, m, t)] as before. But one scenario's values are one row, and the
    values at many keys are found by position (take) rather than one dict lookup per key: a
    derived scenario LP's numbers (optimizer.lp.template) cost a few array operations."""

    def __init__(self, scenarios: list[str], levels: tuple[list, ...], values: np.ndarray):
        self.scenarios, self.levels = list(scenarios), tuple(list(level) for level in levels)
        self.values = np.asarray(values, dtype=float).reshape(len(self.scenarios), self.width)
        self._index: list[dict] | None = None  # per axis (scenarios, then each level): name -> place

    @classmethod
    def of_rows(cls, scenarios: list[str], levels: tuple[list, ...], rows: list) -> "ScenarioTable":
        """A table from one row (a sequence of values in product order) per scenario."""
        width = int(np.prod([len(level) for level in levels]))
        values = np.array(rows, dtype=float) if rows else np.zeros((0, width))
        return cls(scenarios, levels, values)

    @property
    def width(self) -> int:
        return int(np.prod([len(level) for level in self.levels]))

    def _indices(self) -> list[dict]:
        if self._index is None:
            self._index = [{name: k for k, name in enumerate(axis)} for axis in (self.scenarios, *self.levels)]
        return self._index

    def _column(self, tail: tuple) -> int:
        column = 0
        for name, index, level in zip(tail, self._indices()[1:], self.levels):
            column = column * len(level) + index[name]
        return column

    def __getitem__(self, key: tuple) -> float:
        if not isinstance(key, tuple) or len(key) != 1 + len(self.levels):
            raise KeyError(key)
        return float(self.values[self._indices()[0][key[0]], self._column(key[1:])])

    def __iter__(self):
        tails = list(product(*self.levels))
        return ((s, *tail) for s in self.scenarios for tail in tails)

    def __len__(self) -> int:
        return self.values.size

    def __eq__(self, other) -> bool:
        if isinstance(other, ScenarioTable):
            return (self.scenarios == other.scenarios and self.levels == other.levels
                    and np.array_equal(self.values, other.values))
        return super().__eq__(other)

    __hash__ = None  # mutable values, like the dict it stands for

    def __repr__(self) -> str:
        sizes = " x ".join(str(len(level)) for level in self.levels)
        return f"ScenarioTable({len(self.scenarios)} scenarios x {sizes})"

    def row(self, s: str) -> np.ndarray:
        """Scenario s's values, in product order (a view)."""
        return self.values[self._indices()[0][s]]

    def take(self, keys: Keys) -> np.ndarray:
        """The value at each of `keys` (element 0 the scenario, then one element per level)."""
        index = self._indices()
        columns = np.zeros(len(keys), dtype=np.int64)
        for k, level in enumerate(self.levels):
            columns = columns * len(level) + keys.positions(k + 1, index[k + 1])
        return self.values[keys.positions(0, index[0]), columns]

    def part(self, scenarios: list[str], first_level: list | None = None) -> "ScenarioTable":
        """The rows of `scenarios` and, if given, only the tails whose first element is in
        first_level (kept in the table's order)."""
        rows = [self._indices()[0][s] for s in scenarios]
        values = self.values[rows]
        levels = self.levels
        if first_level is not None:
            keep = set(first_level)
            places = [k for k, name in enumerate(levels[0]) if name in keep]
            values = values.reshape(len(rows), len(levels[0]), -1)[:, places].reshape(len(rows), -1)
            levels = ([levels[0][k] for k in places], *levels[1:])
        return ScenarioTable(scenarios, levels, values)

    def with_rows(self, other: "ScenarioTable") -> "ScenarioTable":
        """This table with the rows of other's scenarios (on the same levels) taken from other."""
        if other.levels != self.levels:
            raise ValueError("ScenarioTable.with_rows: the tables have different levels")
        values = self.values.copy()
        values[[self._indices()[0][s] for s in other.scenarios]] = other.values
        return ScenarioTable(self.scenarios, self.levels, values)

    def set_first(self, name, rows) -> None:
        """Set the values whose first level element is `name`: rows[i] for scenario i (in place,
        on a table not shared yet, e.g. a fresh part)."""
        place = self._indices()[1][name]
        self.values.reshape(len(self.scenarios), len(self.levels[0]), -1)[:, place] = rows

    def changed(self, other: "ScenarioTable") -> set[tuple] | None:
        """(scenario, first level element) of every value that differs from other's, or None if
        the tables do not have the same keys."""
        if self.scenarios != other.scenarios or self.levels != other.levels:
            return None
        rows, columns = np.nonzero(self.values != other.values)
        inner = self.width // max(len(self.levels[0]), 1)
        return {(self.scenarios[i], self.levels[0][j // inner]) for i, j in zip(rows.tolist(), columns.tolist())}
