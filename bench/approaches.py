"""The ways of building and solving the LP of docs/model.md, each as a spec of four timed steps.

One spec serves both the timing (bench/measure.py) and the check that every approach reaches the
same optimum (tests/test_bench_agree.py). Each step takes the state the previous step returned:

    build(inputs) -> model;  hand_off(model, highs_options) -> solver;  solve(solver) -> None;
    extract(solver) -> Extracted (objective in k$, the results a caller would use)

- ``pyomo-core``: the project's single LP (solve_coalition): optimizer.lp.assemble.assemble (one
  scenario built by the blocks in Pyomo and compiled, the extensive form over the scenario tree
  assembled from its arrays), CompiledLP.pass_to (addRows + addCols), then the result tables from
  HiGHS's arrays through the LP's layout. It is the **reference** of the other approaches: the
  project's own extensive form (bench/report.py).
- ``pyomo-whole``: the whole model built by the blocks (optimizer.model.build_model) and compiled
  (optimizer.solve.CompiledLP), then as pyomo-core: the extensive form built the slow way, which
  tests/test_assemble.py holds the assembly to.
- ``pyomo-decomposed``: optimizer.decompose.solve_decomposed (multi-cut L-shaped over the tree's
  leaves), the route solve_case takes from 16 scenarios on. ``pyomo-decomposed-2w``: the same with
  two worker processes (RunOptions(workers=2)).
- ``pyomo-contrib``: the whole model through pyomo.contrib.solver's persistent Highs, the
  project's solve path before commit 5768023 (its own timer splits set_instance, HiGHS run and
  loading).
- ``pyomo-compiler``: the whole model, handed to HiGHS through Pyomo's LinearStandardFormCompiler
  and highspy's flat-array passModel (no HighsLp copy); extract_tables runs on its arrays as above.

Until 2026-12-02 two independent re-implementations of the LP (a numpy matrix build, the lower
bound, and a linopy build) were compared here too; they could not express the scenario tree and
were retired (their figures stay in bench/results/).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Callable

import highspy
import numpy as np
from pyomo.common.timing import HierarchicalTimer
from pyomo.contrib.solver.solvers.highs import Highs as ContribHighs
from pyomo.environ import Var
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from optimizer.lp.assemble import assemble
from optimizer.decompose import lp_size, outcome_and_tables, solve_decomposed
from optimizer.inputs import ModelInputs
from optimizer.lp.layout import LPLayout
from optimizer.model import build_model
from optimizer.results import extract_tables
from optimizer.solve import SolveOutcome, compile_and_solve, solve_compiled, solver_name


@dataclass
class Extracted:
    objective: float | None  # k$; None if not optimal
    status: str
    solver_seconds: float  # HiGHS's own run time
    iterations: int


@dataclass
class Approach:
    name: str
    build: Callable[[ModelInputs], Any]
    hand_off: Callable[[Any, dict], Any]
    solve: Callable[[Any], None]
    extract: Callable[[Any], Extracted]
    size: Callable[[Any], tuple[int, int, int]]  # variables, constraints, non-zeros


def _highs_result(h: highspy.Highs) -> Extracted:
    status = h.getModelStatus()
    info = h.getInfo()
    optimal = status == highspy.HighsModelStatus.kOptimal
    return Extracted(info.objective_function_value if optimal else None, h.modelStatusToString(status),
                     h.getRunTime(), info.simplex_iteration_count + info.ipm_iteration_count)


def _highs_size(h: highspy.Highs) -> tuple[int, int, int]:
    return h.getNumCol(), h.getNumRow(), h.getNumNz()


# --- pyomo-core: the project's own path (solve_coalition); pyomo-whole: the whole model built --

class _CoreRun:
    """solve_coalition's route for one LP: optimizer.lp.assemble.assemble (one scenario built in Pyomo
    and compiled, the extensive form assembled from it), solve_compiled, extract_tables."""

    def __init__(self, inputs: ModelInputs):
        self.inputs = inputs
        self.compiled, self.layout = assemble(inputs)

    def hand_off_and_solve(self, options: dict) -> "_CoreRun":
        self.outcome = solve_compiled(self.compiled, highs_options=options)
        return self

    def extract(self) -> Extracted:
        out = self.outcome
        if out.optimal:
            extract_tables(self.inputs, self.layout, out)
        return Extracted(out.objective, out.status, out.timings.get("solve", out.seconds), 0)

    def rebalance(self, steps: dict[str, float]) -> None:
        """The hand-off step hands over, runs HiGHS and reads the solution in one call; its own
        timings split it (compile, if any, + hand_off -> hand-off, solve -> solve, load -> extract)."""
        t, wall = self.outcome.timings, steps["hand_off"]
        steps["hand_off"] = t.get("compile", 0.0) + t.get("hand_off", 0.0)
        steps["solve"] += t.get("solve", wall - steps["hand_off"])
        steps["extract"] += max(0.0, wall - steps["hand_off"] - t.get("solve", wall - steps["hand_off"]))


class _WholeRun(_CoreRun):
    """The whole model built in Pyomo (build_model), compiled and solved, extract_tables: the
    extensive form built the way tests/test_assemble.py checks the assembly against."""

    def __init__(self, inputs: ModelInputs):
        self.inputs, self.model = inputs, build_model(inputs)

    def hand_off_and_solve(self, options: dict) -> "_WholeRun":
        self.compiled, self.outcome = compile_and_solve(self.model, highs_options=options)
        self.layout = LPLayout.of(self.model, self.compiled)  # counted in extract, as the tables
        return self


def _compiled_size(run: _CoreRun) -> tuple[int, int, int]:
    rows, cols = run.compiled.matrix.shape
    return cols, rows, run.compiled.matrix.nnz


# --- pyomo-decomposed: solve_case's route for large risk-neutral sets ---------------------------

class _DecomposedRun:
    """optimizer.decompose.solve_decomposed (one worker, as solve_case by default): it assembles
    the extensive form, splits it into the master part and the tree's leaves, derives each leaf's
    LP from the one-scenario template and iterates cuts; its own timings split the call into build
    (split and leaf LPs passed to HiGHS) and the solving rounds."""

    def __init__(self, inputs: ModelInputs, workers: int = 1):
        self.inputs, self.workers = inputs, workers  # everything is built inside solve_decomposed

    def hand_off_and_solve(self, options: dict) -> "_DecomposedRun":
        self.decomposed = solve_decomposed(self.inputs, options, workers=self.workers)
        return self

    def extract(self) -> Extracted:
        outcome, _ = outcome_and_tables(self.decomposed, self.inputs)
        t = self.decomposed.timings
        return Extracted(outcome.objective, outcome.status,
                         t["first_round"] + t["warm_rounds"] + t["master"], self.decomposed.iterations)

    def rebalance(self, steps: dict[str, float]) -> None:
        """Split and leaf LPs built and passed -> build (no separate hand-off); cut rounds and
        masters -> solve; the rest of the call (the final leaf solutions laid out) -> extract."""
        t, wall = self.decomposed.timings, steps["hand_off"]
        solving = t["first_round"] + t["warm_rounds"] + t["master"]
        steps["build"] += t["build"]
        steps["hand_off"] = 0.0
        steps["solve"] += solving
        steps["extract"] += wall - t["build"] - solving


def _decomposed_size(run: _DecomposedRun) -> tuple[int, int, int]:
    """The extensive form's size (the LP the decomposition solves, in parts)."""
    size = lp_size(run.decomposed)
    return size["variables"], size["constraints"], run.decomposed.made.lp.matrix.nnz


# --- pyomo-contrib: the solve path the project had until commit 5768023 --------------------------

class _ContribRun:
    """pyomo.contrib.solver's (persistent) Highs, called as optimizer/solve.py called it before it
    moved to the standard-form compiler; its own timer splits set_instance, HiGHS and loading."""

    def __init__(self, inputs: ModelInputs):
        self.inputs, self.model = inputs, build_model(inputs)
        self.timer, self.results = HierarchicalTimer(), None

    def hand_off_and_solve(self, options: dict) -> "_ContribRun":
        self.results = ContribHighs().solve(
            self.model, load_solutions=False, raise_exception_on_nonoptimal_result=False,
            solver_options=dict(options), timer=self.timer)
        return self

    def extract(self) -> Extracted:
        res = self.results
        highs = res.solution_loader._solver._solver_model
        if res.termination_condition.name != "convergenceCriteriaSatisfied":
            return Extracted(None, res.termination_condition.name, res.timing_info.highs_time, 0)
        res.solution_loader.load_vars()
        duals = res.solution_loader.get_duals()
        columns = list(self.model.component_data_objects(Var, descend_into=True))
        rows = list(duals)
        outcome = SolveOutcome("optimal", "", self.model.Total_Cost.expr(), solver_name(), 0.0,
                               values=np.array([v.value or 0.0 for v in columns]),
                               duals=np.array([duals[con] for con in rows]))
        extract_tables(self.inputs, LPLayout.of(self.model, SimpleNamespace(columns=columns, rows=rows)), outcome)
        return Extracted(outcome.objective, "Optimal", res.timing_info.highs_time,
                         _highs_result(highs).iterations)

    def rebalance(self, steps: dict[str, float]) -> None:
        """Move HiGHS's run to `solve` and what follows it to `extract`, as the solver's timer says."""
        wall = steps["hand_off"]
        steps["hand_off"] = self.timer.get_total_time("set_instance")
        steps["solve"] += self.timer.get_total_time("optimize")
        steps["extract"] += wall - steps["hand_off"] - self.timer.get_total_time("optimize")


# --- pyomo-compiler: the same model, standard-form compiler + passModel -----------------------

class _CompiledRun:
    def __init__(self, inputs: ModelInputs):
        self.inputs, self.model = inputs, build_model(inputs)

    def hand_off(self, options: dict) -> "_CompiledRun":
        repn = LinearStandardFormCompiler().write(self.model, mixed_form=True)
        self.columns, self.rows = repn.columns, repn.rows
        sense = np.fromiter((r[1] for r in repn.rows), dtype=np.int8, count=len(repn.rows))
        rhs = np.asarray(repn.rhs, dtype=float)
        row_lower = np.where(sense == 1, -highspy.kHighsInf, rhs)  # 1: <=, -1: >=, 0: ==
        row_upper = np.where(sense == -1, highspy.kHighsInf, rhs)
        lb = np.fromiter((v.lb if v.lb is not None else -highspy.kHighsInf for v in self.columns), float)
        ub = np.fromiter((v.ub if v.ub is not None else highspy.kHighsInf for v in self.columns), float)
        a, cost = repn.A.tocsc(), np.asarray(repn.c.todense()).ravel()
        self.offset = float(repn.c_offset[0]) if len(repn.c_offset) else 0.0
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        for key, value in options.items():
            self.highs.setOptionValue(key, value)
        self.highs.passModel(len(self.columns), len(rhs), a.nnz, int(highspy.MatrixFormat.kColwise),
                             int(highspy.ObjSense.kMinimize), self.offset, cost, lb, ub, row_lower,
                             row_upper, a.indptr.astype(np.int32), a.indices.astype(np.int32), a.data,
                             np.zeros(len(self.columns), dtype=np.int32))
        return self

    def extract(self) -> Extracted:
        result = _highs_result(self.highs)
        if result.objective is None:
            return result
        sol = self.highs.getSolution()
        outcome = SolveOutcome("optimal", "", result.objective, solver_name(), 0.0,
                               values=np.asarray(sol.col_value), duals=np.asarray(sol.row_dual))
        layout = LPLayout.of(self.model, SimpleNamespace(columns=self.columns, rows=[con for con, _ in self.rows]))
        extract_tables(self.inputs, layout, outcome)
        return result


APPROACHES: dict[str, Approach] = {
    "pyomo-core": Approach("pyomo-core", _CoreRun, lambda run, o: run.hand_off_and_solve(o),
                           lambda run: None, lambda run: run.extract(), _compiled_size),
    "pyomo-whole": Approach("pyomo-whole", _WholeRun, lambda run, o: run.hand_off_and_solve(o),
                            lambda run: None, lambda run: run.extract(), _compiled_size),
    "pyomo-decomposed": Approach("pyomo-decomposed", _DecomposedRun, lambda run, o: run.hand_off_and_solve(o),
                                 lambda run: None, lambda run: run.extract(), _decomposed_size),
    "pyomo-decomposed-2w": Approach("pyomo-decomposed-2w", lambda p: _DecomposedRun(p, workers=2),
                                    lambda run, o: run.hand_off_and_solve(o), lambda run: None,
                                    lambda run: run.extract(), _decomposed_size),
    "pyomo-contrib": Approach("pyomo-contrib", _ContribRun, lambda run, o: run.hand_off_and_solve(o),
                              lambda run: None, lambda run: run.extract(),
                              lambda run: _highs_size(run.results.solution_loader._solver._solver_model)),
    "pyomo-compiler": Approach("pyomo-compiler", _CompiledRun, lambda run, o: run.hand_off(o),
                               lambda run: run.highs.run(), lambda run: run.extract(),
                               lambda run: _highs_size(run.highs)),
}


def solve_with(name: str, inputs: ModelInputs, options: dict | None = None) -> Extracted:
    """Run every step of one approach, untimed (the agreement test uses this)."""
    a = APPROACHES[name]
    state = a.hand_off(a.build(inputs), dict(options or {}))
    a.solve(state)
    return a.extract(state)
