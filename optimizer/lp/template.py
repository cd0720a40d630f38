"""One scenario's LP derived from another's of the same structure, without building it in Pyomo.

Scenario LPs with the same structure (the same export-ban rows, i.e. the same banned members)
differ only in the numbers the scenario-keyed inputs feed: export-ban right-hand sides, demand,
the restraint and shortfall bounds, closed routes, and the costs of scenario columns.
SCENARIO_NUMBERS lists those with the very functions the blocks build them with, so a derived LP
is the LP the blocks would build (tests/test_decompose.py compares the two array by array).
The scenario decomposition builds one Pyomo model and derives every scenario's LP from it; the warm
re-solve writes an edited scenario's numbers straight into the LP HiGHS holds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import groupby, islice
from operator import itemgetter

import highspy
import numpy as np

from ..inputs import SCENARIO_TABLES, ModelInputs
from ..keys import Keys
from ..model import build_model, market, supply
from ..model.costs import COST_TERMS, variable_costs
from ..model.timing import key_weights
from ..solve import CompiledLP
from ..tree import ScenarioTree
from .layout import MISSING, Family, LPLayout

# (rows or columns, component, which bound(s), value(inputs, Keys) -> one per key, nan = no bound)
SCENARIO_NUMBERS = (
    ("rows", "Supplier_Capacity_Constraint", "upper", supply.capacity_row_upper),
    ("rows", "Export_Ban_Constraint", "upper", supply.ban_row_upper),
    ("rows", "Market_Balance_Constraint", "lower", market.balance_rhs),
    ("columns", "Restraint", "upper", market.restraint_upper),
    ("columns", "Shortfall", "upper", market.shortfall_upper),
    ("columns", "Import", "upper", supply.import_upper),
    ("columns", "Domestic", "upper", supply.domestic_upper),
)


def structures(p: ModelInputs) -> dict[str, frozenset]:
    """What makes each scenario's one-scenario LP's structure: its export-ban rows, scenario aside."""
    rows = {s: [] for s in p.scenarios}
    for key in p.ban_rows:
        rows[key[0]].append(key[1:])
    return {s: frozenset(keys) for s, keys in rows.items()}


def split_by_scenario(p: ModelInputs) -> list[ModelInputs]:
    """Each scenario of `p` alone, with probability 1 (so that its LP's cost is the scenario's
    total). A ScenarioTable gives each its row. The closures' and ban rows' keys come
    scenario by scenario: each run of one scenario's keys is counted and its items taken in one
    slice (update merges a run that is not whole). Small dicts per scenario also make the
    lookups of write_scenario_numbers faster than in the whole set's."""
    parts = {s: {"closed": set(), "ban_rows": {}} for s in p.scenarios}
    alone = np.zeros((p.horizon + 1, 1), dtype=np.int64)  # one scenario owns every month
    for name in ("closed", "ban_rows"):
        values = getattr(p, name)
        items = iter(values) if name == "closed" else iter(values.items())
        for s, run in groupby(values, key=itemgetter(0)):
            parts[s][name].update(islice(items, len(list(run))))
    return [replace(p, scenarios=[s], probability={s: 1.0}, tree=ScenarioTree.of_labels([s], [1.0], alone),
                    **parts[s], **{name: getattr(p, name).part([s]) for name in SCENARIO_TABLES})
            for s in p.scenarios]


def template_inputs(p: ModelInputs, first: ModelInputs) -> ModelInputs:
    """`first` (the first scenario of `p` alone) given the export-ban rows of every member that any
    scenario's ban targets, at the supplier's capacity where its own scenario has no such ban.
    Such a row is implied by the supplier's row for the same month (whose right-hand side is the
    capacity and whose sum holds the member's imports and more), so no optimum changes; but then
    every scenario's LP has the template's structure, with its numbers written in (a row absent
    from a scenario's inputs gets the capacity)."""
    s = first.scenarios[0]
    tails = dict.fromkeys(map(itemgetter(slice(1, None)), p.ban_rows))  # distinct, in order seen
    every = dict.fromkeys([(s, *tail) for tail in tails], 1.0)
    return replace(first, ban_rows={**every, **first.ban_rows})


def index_by_scenario(layout: LPLayout) -> None:
    """Index by scenario the families write_scenario_numbers reads, ahead of the first edit."""
    for kind, name, _, _ in SCENARIO_NUMBERS:
        getattr(layout, kind).get(name, Family([], np.zeros(0, dtype=np.int64))).indices_of(None)
    for term in COST_TERMS:
        layout.column(term.variable).indices_of(None)


@dataclass
class ScenarioTemplate:
    """A one-scenario, risk-neutral LP built and compiled once; its scenario's name is `scenario`,
    its probability 1 (optimizer.lp.template.split_by_scenario)."""

    scenario: str
    compiled: CompiledLP
    layout: LPLayout

    @classmethod
    def build(cls, p: ModelInputs) -> "ScenarioTemplate":
        if len(p.scenarios) != 1 or p.cvar_weight:
            raise ValueError("a scenario template is built from one risk-neutral scenario")
        model = build_model(p)
        compiled = CompiledLP.from_model(model)
        return cls(p.scenarios[0], compiled, LPLayout.of(model, compiled))

    def lp_for(self, p: ModelInputs, scenario: str, weight=None) -> CompiledLP:
        """The LP of `scenario` of `p` alone (same structure as the template), its costs weighted
        by weight(variable, keys) (default: the node probabilities of `p`'s tree);
        its layout is the template's."""
        lp = self.compiled.with_own_numbers()
        write_scenario_numbers(lp, self.layout, p, scenario, self.scenario, weight)
        return lp

    def portable(self) -> "ScenarioTemplate":
        """The template without its Pyomo objects, to send to a worker process."""
        return replace(self, compiled=self.compiled.without_model())


def write_scenario_numbers(lp: CompiledLP, layout: LPLayout, p: ModelInputs, scenario: str,
                           named: str | None = None, weight=None, all_costs: bool = True) -> None:
    """Write scenario `scenario`'s numbers (SCENARIO_NUMBERS and its columns' costs: the sum of
    their cost terms, weighted) from `p` into the LP's arrays, at the keys the layout gives the
    scenario (in an LP over a scenario tree, those of the decisions it owns).

    named: the scenario name the layout's keys carry, if not `scenario` (a template's layout).
    weight(variable, keys): what each key's cost is weighted by; default the probability of the
    node its decision belongs to in `p`'s tree (optimizer.model.timing.key_weights).
    all_costs: False when only events changed and no weight did: only the costs of terms that
    vary by scenario (import prices) are rewritten."""
    if weight is None:
        def weight(name: str, keys: Keys):
            return key_weights(p, name, keys)
    first, renamed = named or scenario, None if named in (None, scenario) else scenario
    keys = {}  # one Keys per family: Import's bounds and costs read the same

    def keys_of(family: Family) -> Keys:
        if id(family) not in keys:
            keys[id(family)] = family.keys_for(first, renamed)
        return keys[id(family)]

    for kind, name, bound, value in SCENARIO_NUMBERS:
        family = getattr(layout, kind).get(name)
        if family is None:
            continue
        numbers = value(p, keys_of(family))
        numbers[np.isnan(numbers)] = highspy.kHighsInf  # no bound
        lower, upper = (lp.row_lower, lp.row_upper) if kind == "rows" else (lp.col_lower, lp.col_upper)
        positions = family.positions[family.indices_of(first)]
        (lower if bound == "lower" else upper)[positions] = numbers
    rewrite = {term.variable for term in COST_TERMS if not term.first_stage and (all_costs or term.varies_by_scenario)}
    of = {name: keys_of(layout.column(name)) for name in rewrite}
    for name, cost in variable_costs(p, of, weight, first_stage=False).items():
        family = layout.column(name)
        lp.col_cost[family.positions[family.indices_of(first)]] = cost


def write_first_stage_costs(lp: CompiledLP, layout: LPLayout, p: ModelInputs) -> None:
    """Write the first-stage columns' costs (their cost terms, unweighted) from `p` into the LP's
    arrays, as the risk-neutral objective has them."""
    of = {term.variable: layout.column(term.variable).as_keys() for term in COST_TERMS if term.first_stage}
    for name, cost in variable_costs(p, of, None, first_stage=True).items():
        family = layout.column(name)
        present = family.positions != MISSING
        lp.col_cost[family.positions[present]] = np.asarray(cost)[present]
