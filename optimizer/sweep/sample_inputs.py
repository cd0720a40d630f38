"""One sample's inputs: the base case with each data parameter's cells set, and the scenario set
with the sampled probabilities.

Data parameters are applied one after another through `Assumption.edits`, each reading the tables
as the earlier ones left them, so that the tables' own rules hold for the combination: a member's
other import shares rescaled to sum to 1, and storage never below the stock it holds (after all
parameters, storage is raised to the stock where a sampled stock exceeds a sampled storage).
Cells are found through key maps made once per sweep (optimizer.edits.apply_edits searches each
table per edit: 0.3-0.4 s per sample with all 81 assumptions, against about 0.1 s here); the
result is validated as a whole by case_from_tables.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from ..case import Case, case_from_tables
from ..scenarios import ScenarioSet
from ..schema import TABLES_BY_NAME
from .parameters import DATA, PROBABILITY, Parameter, scenario_probabilities


class _Tables:
    """The tables a sample edits, copied from the base case; `table(name)` as Case has it, so that
    Assumption.edits reads the cells as the earlier parameters left them."""

    def __init__(self, case: Case, names: set[str]):
        self._base = case
        self.frames = {name: case.table(name).copy() for name in names}

    def table(self, name: str) -> pd.DataFrame:
        return self.frames.get(name, self._base.table(name))


class SampleInputs:
    """Makes each sample's (case, scenario set) from the base ones and the parameters' values."""

    def __init__(self, case: Case, scenario_set: ScenarioSet, parameters: list[Parameter]):
        self.case, self.scenario_set, self.parameters = case, scenario_set, list(parameters)
        self._data = [(i, p) for i, p in enumerate(self.parameters) if p.kind == DATA]
        self._probability = [(i, p) for i, p in enumerate(self.parameters) if p.kind == PROBABILITY]
        self._edited = {p.assumption.table for _, p in self._data}
        self._row_of = {name: _row_positions(case.table(name), TABLES_BY_NAME[name].key) for name in self._edited}

    def base_values(self) -> np.ndarray:
        return np.array([p.base for p in self.parameters], dtype=float)

    def case_for(self, values: np.ndarray) -> Case:
        """The base case with every data parameter set to its value (InputError if the
        combination breaks a rule of the tables: the problems name the cells)."""
        if not self._data:
            return self.case
        tables = _Tables(self.case, self._edited)
        for i, p in self._data:
            for edit in p.assumption.edits(p.applied(values[i]), tables):
                frame = tables.frames[edit.table]
                row = self._row_of[edit.table][tuple(str(edit.where[k]) for k in TABLES_BY_NAME[edit.table].key)]
                for column, value in edit.values.items():
                    frame.iat[row, frame.columns.get_loc(column)] = value
        if "stockpiles" in tables.frames:  # storage never below the stock it holds
            stock = tables.frames["stockpiles"]
            stock["existing_capacity_t"] = np.maximum(stock["existing_capacity_t"].astype(float),
                                                      stock["current_stock_t"].astype(float))
        return case_from_tables({name: tables.table(name) for name in self.case.tables},
                                origin=f"{self.case.origin} + sweep sample")

    def scenario_set_for(self, values: np.ndarray) -> ScenarioSet:
        """The scenario set with the sampled probabilities (parameters.scenario_probabilities)."""
        if not self._probability:
            return self.scenario_set
        swept = {p.scenario: float(values[i]) for i, p in self._probability}
        probability = scenario_probabilities(self.scenario_set, swept)
        return replace(self.scenario_set, scenarios=tuple(replace(s, probability=probability[s.name])
                                                          for s in self.scenario_set.scenarios))


def _row_positions(frame: pd.DataFrame, key: tuple[str, ...]) -> dict[tuple, int]:
    """Each row's key (as text, the way Assumption.edits names it) -> its position."""
    return {tuple(str(v) for v in values): i for i, values in enumerate(frame[list(key)].itertuples(index=False))}
