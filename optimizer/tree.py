"""The scenario tree: which scenarios a planner can tell apart at each month, built from the events.

A decision of month t may use only what is known at t: the events announced by then, and of each,
whether it has ended. Scenarios whose histories are equal up to month t sit in one node at t and
must decide alike. Each node is represented by its first scenario in the set's order (its owner):
the LP has one column per decision of a node, named after the owner, and every scenario of the
node reads that column (docs/model.md, "Information"). Months 0 and before (shipments already
at sea when the horizon starts, and the here-and-now stock) belong to the root, which holds every
scenario.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

_UNSEEN = ("duration_months", "announced_month", "warning_months")  # not known when announced


def observed(event, month: int) -> tuple | None:
    """What a planner knows of `event` when deciding in `month`: nothing before its announcement;
    from then on its type, target, size and start, and its end once it has ended."""
    if event.announced > month:
        return None
    known = json.dumps(event.model_dump(exclude=set(_UNSEEN)), sort_keys=True)
    return known, event.end_month if event.end_month <= month else None


@dataclass(frozen=True, eq=False)
class ScenarioTree:
    """owner[t, i]: the index of the scenario that owns scenario i's node at month t (row 0 stands
    for every month <= 0, the root). probability[i]: scenario i's probability."""

    scenarios: tuple[str, ...]
    probability: np.ndarray
    owner: np.ndarray  # int64, shape (horizon + 1, number of scenarios)

    @classmethod
    def of(cls, scenarios, horizon: int) -> "ScenarioTree":
        """The tree of scenarios (objects with name, probability, events) over `horizon` months."""
        n = len(scenarios)
        label = np.zeros((horizon + 1, n), dtype=np.int64)
        for t in range(1, horizon + 1):
            seen: dict = {}
            for i, scenario in enumerate(scenarios):
                news = tuple(sorted(filter(None, (observed(e, t) for e in scenario.events)), key=repr))
                label[t, i] = seen.setdefault((label[t - 1, i], news), len(seen))
        return cls.of_labels([s.name for s in scenarios], [s.probability for s in scenarios], label)

    @classmethod
    def of_labels(cls, names, probability, label: np.ndarray) -> "ScenarioTree":
        """A tree from per-month group labels (equal label, same node; refining over months)."""
        owner = np.empty_like(label)
        for t in range(label.shape[0]):
            _, first = np.unique(label[t], return_index=True)
            owner[t] = first[np.searchsorted(np.unique(label[t]), label[t])]
        return cls(tuple(names), np.asarray(probability, dtype=float), owner)

    def __eq__(self, other) -> bool:
        return (isinstance(other, ScenarioTree) and self.scenarios == other.scenarios
                and np.array_equal(self.probability, other.probability) and np.array_equal(self.owner, other.owner))

    __hash__ = None

    def same_partition(self, other: "ScenarioTree") -> bool:
        """Equal nodes at every month (probabilities aside)."""
        return self.scenarios == other.scenarios and np.array_equal(self.owner, other.owner)

    @property
    def horizon(self) -> int:
        return self.owner.shape[0] - 1

    @cached_property
    def index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.scenarios)}

    @cached_property
    def node_probability(self) -> np.ndarray:
        """node_probability[t, i]: the probability of scenario i's node at month t (its scenarios'
        probabilities added in the set's order)."""
        out = np.empty(self.owner.shape)
        for t, row in enumerate(self.owner):
            out[t] = np.bincount(row, weights=self.probability, minlength=len(self.scenarios))[row]
        return out

    def _row(self, month) -> np.ndarray:
        return np.clip(np.asarray(month, dtype=np.int64), 0, self.horizon)

    # ------------------------------------------------------------ by name, for the blocks

    def owner_of(self, scenario: str, month: int) -> str:
        """The scenario whose columns `scenario` reads for a decision of `month`."""
        return self.scenarios[self.owner[min(max(month, 0), self.horizon), self.index[scenario]]]

    def owns(self, scenario: str, month: int) -> bool:
        i = self.index[scenario]
        return self.owner[min(max(month, 0), self.horizon), i] == i

    def members(self, scenario: str, month: int) -> list[str]:
        """The scenarios of the node `scenario` owns at `month`."""
        row = self.owner[min(max(month, 0), self.horizon)]
        return [self.scenarios[i] for i in np.flatnonzero(row == self.index[scenario]).tolist()]

    # ------------------------------------------------------------ many keys at once

    def owners(self, scenario_index: np.ndarray, months: np.ndarray) -> np.ndarray:
        """Owner index per (scenario index, decision month)."""
        return self.owner[self._row(months), scenario_index]

    def weights(self, scenario_index: np.ndarray, months: np.ndarray) -> np.ndarray:
        """Node probability per (scenario index, decision month)."""
        return self.node_probability[self._row(months), scenario_index]

    # ------------------------------------------------------------ nodes and leaves

    @cached_property
    def leaf_from(self) -> np.ndarray:
        """Per scenario i that owns a node at the horizon: the first month from which its node no
        longer changes (its leaf); -1 for the others. Months before it belong to larger nodes."""
        out = np.full(len(self.scenarios), -1, dtype=np.int64)
        final = self.owner[-1]
        for i in np.unique(final).tolist():
            size = np.count_nonzero(final == i)
            sizes = (self.owner == i).sum(axis=1)
            out[i] = int(np.flatnonzero(sizes != size).max(initial=-1)) + 1
        return out

    def in_leaf(self, owner_index: np.ndarray, months: np.ndarray) -> np.ndarray:
        """Whether a decision of `months` owned by `owner_index` is in that owner's leaf."""
        start = self.leaf_from[owner_index]
        return (start >= 0) & (self._row(months) >= start)

    def nodes(self) -> pd.DataFrame:
        """One row per node: its id, parent, months, owner, scenarios and probability. Month 0
        stands for the here-and-now decisions and the shipments already at sea."""
        rows, current = [], {}  # owner index -> (node id, members) at the month before
        for t, row in enumerate(self.owner):
            before_month = dict(current)
            for i in np.unique(row).tolist():
                members = tuple(np.flatnonzero(row == i).tolist())
                before = before_month.get(i)
                if before is not None and before[1] == members:
                    rows[before[0]]["last_month"] = t
                    continue
                parent = next((node for node, mem in before_month.values() if set(members) <= set(mem)), None)
                rows.append({"node": len(rows), "parent": parent, "first_month": t, "last_month": t,
                             "owner": self.scenarios[i], "scenarios": ", ".join(self.scenarios[j] for j in members),
                             "probability": float(self.probability[list(members)].sum())})
                current[i] = (len(rows) - 1, members)
            current = {i: v for i, v in current.items() if i in set(row.tolist())}
        df = pd.DataFrame(rows, columns=["node", "parent", "first_month", "last_month", "owner", "scenarios",
                                         "probability"])
        df["parent"] = df["parent"].astype("Int64")
        return df

    def restrict(self, names: list[str]) -> "ScenarioTree":
        """The tree of some of the scenarios (their nodes as here, owned by their first of these)."""
        keep = [self.index[n] for n in names]
        return ScenarioTree.of_labels(names, self.probability[keep], self.owner[:, keep])
