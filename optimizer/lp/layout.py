"""Where each variable and constraint of a built model sits in its compiled LP.

Made once per compiled model, it lets the result tables and the warm re-solve work on HiGHS's
arrays (values, duals, bounds) by component name and index, instead of going back through
millions of Pyomo objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import compress, repeat

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from ..keys import Codes, Keys
from ..solve import CompiledLP

MISSING = -1  # position of a variable or row the compiler left out (it appears nowhere)


class Family:
    """One indexed component: its keys in build order and the LP column or row of each.

    keys and columns may be given as functions that make them: a family laid out from a
    template's makes its key tuples and columns only if asked (the result tables read `columns()`,
    the keys column-wise, and never the tuples of the largest families)."""

    def __init__(self, keys: list | Callable[[], list], positions: np.ndarray, by_first: dict | None = None,
                 columns: list | Callable[[], list] | None = None):
        self._keys, self.positions = keys, positions
        self._by_first, self._columns = by_first, columns
        self._lookup: dict | None = None
        self._tails: dict = {}  # first -> the rest of its keys, column-wise
        self._codes: dict = {}  # element -> (codes, names) of that column
        self._columns_of: dict = {}  # first -> columns() at indices_of(first)

    @property
    def keys(self) -> list:
        if callable(self._keys):
            self._keys = self._keys()
        return self._keys

    def __len__(self) -> int:
        return len(self.positions)

    def columns(self) -> list:
        """The keys column-wise, one array per key element: Arrow strings for names, integers for
        months (made once: a held LP's tables are read after every re-solve)."""
        if callable(self._columns):
            self._columns = self._columns()
        if self._columns is None:
            keys = self.keys
            tuples = keys if keys and isinstance(keys[0], tuple) else [(k,) for k in keys]
            table = np.array(tuples, dtype=object)  # one row per key: numpy splits tuples in C
            self._columns = [_column(table[:, j]) for j in range(table.shape[1])] if len(tuples) else []
        return self._columns

    def codes(self, i: int) -> Codes:
        """Element i of every key as codes into its distinct names (made once)."""
        if i not in self._codes:
            codes, names = pd.factorize(self.columns()[i])
            self._codes[i] = codes, names.tolist()  # plain objects: an Arrow array yields each one slowly
        return self._codes[i]

    def per_key(self, i: int, value: dict, index: np.ndarray | None = None) -> np.ndarray:
        """value[name] for element i (a name) of each key, at `index` (default all keys): one
        lookup per distinct name, the names' codes made once."""
        if not len(self):
            return np.zeros(0)
        return self.as_keys(index).per_name(i, value)

    def as_keys(self, index: np.ndarray | None = None) -> Keys:
        """The keys at `index` (default all) as Keys sharing this family's codes."""
        if index is None:
            return Keys(len(self), self.columns, self.codes)
        return Keys(len(index), lambda: [column[index] for column in self.columns()],
                    lambda i: (self.codes(i)[0][index], self.codes(i)[1]))

    def keys_for(self, first, renamed=None) -> Keys:
        """The keys indices_of(first) picks as Keys, their first element `renamed` if given:
        tuples from keys_of, codes from this family's (e.g. one scenario's keys of a template,
        written as another scenario's)."""
        index = self.indices_of(first)
        name = first if renamed is None else renamed

        def codes(i: int) -> Codes:
            if i == 0 or not len(index):
                return np.zeros(len(index), dtype=np.int64), [name]
            codes, names = self.codes(i)
            return codes[index], names

        return Keys(len(index), lambda: self.columns_of(first, renamed), codes,
                    tuples=lambda: self.keys_of(first, renamed))

    def take(self, array: np.ndarray, missing: float = 0.0) -> np.ndarray:
        """array[position] per key (missing where the compiler left the key out)."""
        out = np.full(len(self), missing, dtype=float)
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

    def keys_of(self, first, renamed=None) -> list:
        """The keys indices_of(first) picks, their first element replaced by `renamed` if given."""
        if renamed is None or renamed == first:
            keys = self.keys
            return [keys[i] for i in self.indices_of(first).tolist()]
        if first not in self._tails:  # the key tails column-wise, so a renamed list is one zip
            self._tails[first] = list(zip(*(self.keys[i][1:] for i in self.indices_of(first))))
        index = self.indices_of(first)
        if not len(index):
            return []
        tails = self._tails[first]
        return list(zip(repeat(first if renamed is None else renamed, len(index)), *tails))

    def columns_of(self, first, renamed=None) -> list:
        """columns() at indices_of(first), the first column all `renamed` if given."""
        index = self.indices_of(first)
        if not len(index):
            return []
        if first not in self._columns_of:  # kept: a held LP's scenarios are written after every edit
            self._columns_of[first] = [column[index] for column in self.columns()]
        columns = list(self._columns_of[first])
        if renamed is not None:
            columns[0] = [renamed] * len(index)
        return columns

    def position_of(self, key) -> int:
        if self._lookup is None:
            self._lookup = dict(zip(self.keys, self.positions.tolist()))
        return self._lookup.get(key, MISSING)


def laid_out(family: Family, first: str, scenarios: list[str], positions: np.ndarray,
              keep: np.ndarray | None = None) -> Family:
    """A family whose keys all start with `first` (one scenario's), repeated for each of
    `scenarios` with its keys renamed: the family of an LP holding a copy of the scenario's LP per
    scenario. positions: each key's position in each copy (copy after copy, MISSING where absent);
    keep: which of those keys the family has (default all: a row the copy's scenario does not
    have is left out, as the blocks leave it out of that scenario's model)."""
    n, copies = len(family), len(scenarios)
    index = family.indices_of(first)
    if keep is None:
        by_first = {s: index + k * n for k, s in enumerate(scenarios)}
        selected = None
    else:
        selected = np.flatnonzero(keep)
        positions = positions[selected]
        present, copy = positions != MISSING, selected // max(n, 1)
        by_first = {s: np.flatnonzero(present & (copy == k)) for k, s in enumerate(scenarios)}

    def keys() -> list:
        if len(index) == n:  # every key is in the LP: each copy's keys are one zip
            every = [key for s in scenarios for key in family.keys_of(first, s)]
        else:
            every = [(s,) + key[1:] for s in scenarios for key in family.keys]
        return every if selected is None else [every[i] for i in selected.tolist()]

    def columns() -> list:
        rows = np.arange(copies * n) if selected is None else selected
        return [pd.array(scenarios, dtype="str").take(rows // max(n, 1))] + [
            c[rows % n] if isinstance(c, np.ndarray) else c.take(rows % n) for c in family.columns()[1:]]

    return _LaidOut(keys, positions, by_first, columns, family, first, scenarios, keep)


class _LaidOut(Family):
    """A family made by laid_out: one scenario's keys and key columns (what a warm edit writes a
    scenario's numbers from) are read from the template's family, renamed, without making the
    whole family's keys."""

    def __init__(self, keys, positions, by_first, columns, source: Family, first: str, scenarios: list[str],
                 keep: np.ndarray | None):
        super().__init__(keys, positions, by_first, columns)
        self._source, self._first = source, first
        self._copy = {s: k for k, s in enumerate(scenarios)}
        self._keep = None if keep is None else keep.reshape(len(scenarios), len(source))

    def _kept(self, first) -> np.ndarray | None:
        """Which of the source's keys in the LP the copy of `first` has (None: all)."""
        if self._keep is None:
            return None
        return self._keep[self._copy[first]][self._source.indices_of(self._first)]

    def keys_of(self, first, renamed=None) -> list:
        if first not in self._copy:
            return []
        keys = self._source.keys_of(self._first, first if renamed is None else renamed)
        kept = self._kept(first)
        return keys if kept is None else list(compress(keys, kept.tolist()))

    def columns_of(self, first, renamed=None) -> list:
        if first not in self._copy:
            return []
        columns = self._source.columns_of(self._first, first if renamed is None else renamed)
        kept = self._kept(first)
        if kept is None:
            return columns
        return [list(compress(c, kept.tolist())) if isinstance(c, list) else c[kept] for c in columns]


def _column(values: np.ndarray):
    """An object array of one key element as Arrow strings (names) or a numeric array (months)."""
    if isinstance(values[0], str):
        codes, names = pd.factorize(values)
        return pd.array(names, dtype="str").take(codes)
    return np.array(values.tolist())


@dataclass
class LPLayout:
    columns: dict[str, Family]
    rows: dict[str, Family]
    # expanded(): made once per tree's nodes (a held LP's tables are read after every re-solve)
    views: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, model: pyo.ConcreteModel, compiled: CompiledLP) -> "LPLayout":
        return cls(_families(model, pyo.Var, compiled.columns), _families(model, pyo.Constraint, compiled.rows))

    def size(self, which: str) -> int:
        """How many variables ("columns") or constraints ("rows") the model has."""
        return sum(len(family) for family in getattr(self, which).values())

    def column(self, name: str) -> Family:
        return self.columns.get(name) or Family([], np.zeros(0, dtype=np.int64))

    def row(self, name: str) -> Family:
        return self.rows.get(name) or Family([], np.zeros(0, dtype=np.int64))


def _families(model: pyo.ConcreteModel, ctype, compiled: list) -> dict[str, Family]:
    # built and read with map, not Python loops: a large model has millions of objects
    position = defaultdict(lambda: MISSING, zip(map(id, compiled), range(len(compiled))))
    families = {}
    for component in model.component_objects(ctype, active=True if ctype is pyo.Constraint else None,
                                             descend_into=True):
        keys = list(component.keys())
        positions = np.fromiter(map(position.__getitem__, map(id, component.values())), dtype=np.int64,
                                count=len(keys))
        families[component.name] = Family(keys, positions)
    return families


def expanded(layout: LPLayout, p) -> LPLayout:
    """The layout as every scenario reads it: each scenario-keyed family of an LP over a scenario
    tree (whose keys are the owners' only) given, for every scenario, the key of every decision
    it reads, at the position of the owner's column or row (optimizer.tree). Keys come scenario
    by scenario, each scenario's in the order of the first scenario's (who owns every node it is
    in). Values and duals taken through it are per scenario, as the result tables show them."""
    from ..model.timing import decision_months, in_tree  # (the model imports this module)

    view = (p.tree.scenarios, p.tree.owner.tobytes())
    if view in layout.views:
        return layout.views[view]

    def expand(name: str, family: Family) -> Family:
        if not in_tree(name) or not len(family):
            return family
        present = np.flatnonzero(family.positions != MISSING)
        keys = family.as_keys(present)
        owner = keys.positions(0, p.tree.index)
        month = np.clip(decision_months(p, name, keys), 0, p.tree.horizon)
        order = _tail_order(keys)
        picks = [present[np.flatnonzero(p.tree.owner[month, s] == owner)] for s in range(len(p.scenarios))]
        picks = [pick[np.argsort(order[np.searchsorted(present, pick)], kind="stable")] for pick in picks]
        index = np.concatenate(picks) if picks else np.zeros(0, dtype=np.int64)
        counts = [len(pick) for pick in picks]
        scenario_column = pd.array(np.repeat(np.array(p.scenarios, dtype=object), counts), dtype="str")

        def columns() -> list:
            return [scenario_column] + [c[index] if isinstance(c, np.ndarray) else c.take(index)
                                        for c in family.columns()[1:]]

        def keys_of() -> list:
            return list(zip(*(c.tolist() if hasattr(c, "tolist") else list(c) for c in columns())))

        return Family(keys_of, family.positions[index], columns=columns)

    layout.views[view] = LPLayout({name: expand(name, f) for name, f in layout.columns.items()},
                                  {name: expand(name, f) for name, f in layout.rows.items()})
    return layout.views[view]


def _tail_order(keys: Keys) -> np.ndarray:
    """Each key's tail (the key without its scenario) numbered in order of first appearance."""
    combined = np.zeros(len(keys), dtype=np.int64)
    for i in range(1, len(keys.columns)):
        codes, names = keys.codes(i)
        combined = combined * max(len(names), 1) + codes
    return pd.factorize(combined)[0]
