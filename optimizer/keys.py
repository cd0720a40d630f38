"""Keys of one indexed component, column-wise: what a block's numbers are computed from.

A bound, right-hand side or cost is computed for many keys at once (a whole component when the
blocks build it, one scenario's keys when optimizer.lp.template writes numbers into a derived LP, the
keys with a nonzero value when the result tables price a solution). Keys holds them one column per
key element and finds each column's distinct names once (its codes), so a value that depends on a
name (a commodity's holding cost, a supplier's capacity, a scenario's row of a ScenarioTable) is
looked up once per distinct name, not once per key. Tuples are made only when a number is looked
up by the whole key (e.g. a supplier row's share).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

Codes = tuple[np.ndarray, Sequence]  # (per key: index into names, distinct names)


class Keys:
    """`size` keys; columns[i][n] is element i of key n. codes: element -> its Codes where they
    are known already (e.g. a layout family's, made once for every scenario); the others are made
    when asked. columns and tuples may be given as functions that make them when first asked."""

    def __init__(self, size: int, columns: Sequence | Callable[[], Sequence],
                 codes: Callable[[int], Codes] | None = None, tuples: list | Callable[[], list] | None = None):
        self._size, self._columns, self._known, self._tuples = size, columns, codes, tuples
        self._codes: dict[int, Codes] = {}

    @classmethod
    def of(cls, tuples: list) -> "Keys":
        """Keys from a list of key tuples (all of one length)."""
        return cls(len(tuples), [list(column) for column in zip(*tuples)], tuples=tuples)

    def __len__(self) -> int:
        return self._size

    @property
    def columns(self) -> Sequence:
        if callable(self._columns):
            self._columns = self._columns()
        return self._columns

    def tuples(self) -> list:
        """The keys as tuples (made once)."""
        if callable(self._tuples):
            self._tuples = self._tuples()
        if self._tuples is None:
            self._tuples = list(zip(*(c.tolist() if hasattr(c, "tolist") else c for c in self.columns)))
        return self._tuples

    def codes(self, i: int) -> Codes:
        """Element i of each key as an index into its distinct names (made once)."""
        if i not in self._codes:
            if not self._size:
                self._codes[i] = np.zeros(0, dtype=np.int64), []
            elif self._known is not None:
                self._codes[i] = self._known(i)
            else:
                column = self.columns[i]
                codes, names = pd.factorize(np.asarray(column, dtype=object) if isinstance(column, (list, tuple))
                                            else column)
                self._codes[i] = codes, names.tolist()
        return self._codes[i]

    def per_name(self, i: int | tuple[int, ...], value: dict | Callable, dtype=float) -> np.ndarray:
        """value[name] per key, name = element i of the key (a tuple of elements if i is a tuple);
        value may be a function of the name instead of a dict."""
        codes, names = self._combined(i) if isinstance(i, tuple) else self.codes(i)
        get = value if callable(value) else value.__getitem__
        return np.array([get(name) for name in names], dtype=dtype)[codes]

    def positions(self, i: int, index: dict) -> np.ndarray:
        """index[name] per key, name = element i of the key: e.g. a name's place in a list."""
        return self.per_name(i, index, dtype=np.int64)

    def _combined(self, elements: tuple[int, ...]) -> Codes:
        """Codes of tuples of several elements: each distinct combination found once."""
        parts = [self.codes(i) for i in elements]
        combined = np.zeros(len(self), dtype=np.int64)
        for codes, names in parts:
            combined = combined * len(names) + codes
        codes, distinct = pd.factorize(combined)
        first = np.empty(len(distinct), dtype=np.int64)
        first[codes[::-1]] = np.arange(len(codes))[::-1]  # each combination's first key
        return codes, list(zip(*([names[j] for j in part[first].tolist()] for part, names in parts)))
