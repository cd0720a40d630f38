"""Solve a built model with HiGHS, and say plainly how the solve ended.

The Pyomo model is compiled to matrix form by Pyomo's LinearStandardFormCompiler and handed to
HiGHS as numpy arrays (rows, then columns with their matrix entries): measured 2-4x faster than a
persistent interface that walks every row (shared/PERFORMANCE_NOTES.md, bench/). Primal values
and duals come back as arrays in the compiled LP's column and row order (optimizer.lp.layout maps
them to the model's components).
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field, replace

import highspy
import numpy as np
import pyomo.environ as pyo
import scipy.sparse
from pyomo.common.gc_manager import PauseGC
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

_STATUS = highspy.HighsModelStatus
_PLAIN_WORDS = {
    _STATUS.kOptimal: ("optimal", "HiGHS proved the plan optimal."),
    _STATUS.kInfeasible: (
        "infeasible", "No plan satisfies every constraint. With shortfall always allowed this points to "
        "contradictory inputs, e.g. days-of-cover floors above the storage that can be built."),
    _STATUS.kUnboundedOrInfeasible: (
        "infeasible_or_unbounded", "HiGHS found the model infeasible or unbounded; check floors and costs."),
    _STATUS.kUnbounded: ("unbounded", "The cost can fall without limit: a cost in the data is negative or missing."),
    _STATUS.kTimeLimit: ("time_limit", "HiGHS stopped at the time limit before proving optimality."),
    _STATUS.kIterationLimit: ("iteration_limit", "HiGHS stopped at its iteration limit."),
    _STATUS.kObjectiveBound: ("objective_limit", "HiGHS stopped at an objective limit."),
    _STATUS.kObjectiveTarget: ("objective_limit", "HiGHS stopped at an objective target."),
    _STATUS.kModelEmpty: ("empty", "The model has no variables: the data describe nothing to plan."),
}


@dataclass
class SolveOutcome:
    status: str
    message: str
    objective: float | None  # in the model's money unit (see inputs.USD_PER_MODEL_MONEY)
    solver: str
    seconds: float
    warnings: list[str] = field(default_factory=list)
    values: np.ndarray | None = field(default=None, repr=False)  # per LP column, when optimal
    duals: np.ndarray | None = field(default=None, repr=False)  # per LP row, when optimal
    timings: dict[str, float] = field(default_factory=dict)  # compile, hand-off, solve, load (s)

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"


def solver_name() -> str:
    h = highspy.Highs()
    return f"HiGHS {h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


@dataclass
class CompiledLP:
    """A Pyomo model in matrix form (numpy arrays, the matrix column-wise), with the maps back to
    the model's components."""

    columns: list  # VarData per column
    rows: list  # ConstraintData per row
    col_cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    matrix: scipy.sparse.csc_array
    offset: float = 0.0

    @classmethod
    def from_model(cls, model: pyo.ConcreteModel) -> "CompiledLP":
        # the model holds millions of objects: collection passes over them would cost seconds, in
        # the compiler and in the lists below alike (bench/, 120x50: hand-off 6.4 s with only the
        # compiler paused, 5.1 s with the lists too)
        with PauseGC():
            info = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
            A = scipy.sparse.csc_array(info.A)
            inf = highspy.kHighsInf
            # mixed form: kind 0 is an equality, 1 an upper bound (<= rhs), -1 a lower bound (>= rhs)
            kind = np.array([k for _, k in info.rows], dtype=int)
            rhs = np.asarray(info.rhs, dtype=float)
            return cls(
                columns=list(info.columns), rows=[con for con, _ in info.rows],
                col_cost=info.c.toarray().ravel() if A.shape[1] else np.zeros(0),
                col_lower=np.array([-inf if v.lb is None else v.lb for v in info.columns], dtype=float),
                col_upper=np.array([inf if v.ub is None else v.ub for v in info.columns], dtype=float),
                row_lower=np.where(kind == 1, -inf, rhs), row_upper=np.where(kind == -1, inf, rhs),
                matrix=A, offset=float(info.c_offset[0]) if len(info.c_offset) else 0.0)

    def with_own_numbers(self) -> "CompiledLP":
        """A copy whose costs, bounds and sides can be changed; the matrix and maps are shared."""
        return replace(self, col_cost=self.col_cost.copy(), col_lower=self.col_lower.copy(),
                       col_upper=self.col_upper.copy(), row_lower=self.row_lower.copy(),
                       row_upper=self.row_upper.copy())

    def without_model(self) -> "CompiledLP":
        """The same LP without the maps to the Pyomo model, which then need not be kept alive
        (its millions of objects cost memory and garbage-collection passes) or can be pickled."""
        return replace(self, columns=[], rows=[])

    def pass_to(self, highs: highspy.Highs) -> None:
        """Hand the LP to HiGHS: its rows empty, then its columns with their matrix entries, each
        in one call on numpy arrays (measured 5x faster than filling a HighsLp, whose setters copy
        element by element; the flat passModel would need an integrality array, and then warns
        that there are no integer columns)."""
        rows, cols = self.matrix.shape
        none = np.zeros(0, dtype=np.int32)
        highs.addRows(rows, self.row_lower, self.row_upper, 0, none, none, np.zeros(0))
        highs.addCols(cols, self.col_cost, self.col_lower, self.col_upper, self.matrix.nnz,
                      self.matrix.indptr[:-1].astype(np.int32), self.matrix.indices.astype(np.int32, copy=False),
                      self.matrix.data.astype(float, copy=False))
        highs.changeObjectiveOffset(self.offset)


def solve_compiled(compiled: CompiledLP, time_limit_s: float | None = None,
                   highs_options: dict | None = None) -> SolveOutcome:
    """Hand the LP to a fresh HiGHS, solve it and read the outcome (values and duals as arrays)."""
    started = time.perf_counter()
    highs, log_path = new_highs(time_limit_s, highs_options)
    try:
        compiled.pass_to(highs)
        passed_at = time.perf_counter()
        outcome = run_compiled(highs, log_path)
    finally:
        os.unlink(log_path)
    outcome.timings = {"hand_off": passed_at - started, **outcome.timings}
    outcome.seconds = time.perf_counter() - started
    return outcome


def compile_and_solve(model: pyo.ConcreteModel, time_limit_s: float | None = None,
                      highs_options: dict | None = None) -> tuple[CompiledLP, SolveOutcome]:
    """Compile the model and solve it; the outcome's timings and seconds include the compile."""
    started = time.perf_counter()
    compiled = CompiledLP.from_model(model)
    compiled_at = time.perf_counter()
    outcome = solve_compiled(compiled, time_limit_s, highs_options)
    outcome.timings = {"compile": compiled_at - started, **outcome.timings}
    outcome.seconds = time.perf_counter() - started
    return compiled, outcome


def solve_model(model: pyo.ConcreteModel, time_limit_s: float | None = None,
                highs_options: dict | None = None) -> SolveOutcome:
    """Compile and solve; on optimality load the primal values into the model's variables."""
    compiled, outcome = compile_and_solve(model, time_limit_s, highs_options)
    if outcome.optimal:
        with PauseGC():
            for var, value in zip(compiled.columns, outcome.values):
                var.set_value(value, skip_validation=True)
    return outcome


def run_compiled(highs: highspy.Highs, log_path: str) -> SolveOutcome:
    """Run HiGHS on the LP it holds (warm if it holds a basis) and read the outcome back."""
    started = time.perf_counter()
    highs.run()
    ran_at = time.perf_counter()
    outcome = read_outcome(highs, log_path)
    done = time.perf_counter()
    outcome.timings = {"solve": ran_at - started, "load": done - ran_at}
    outcome.seconds = done - started
    return outcome


def log_warnings(log_path: str) -> list[str]:
    """The WARNING lines of a HiGHS log (scaling, numerics)."""
    with open(log_path, encoding="utf-8", errors="replace") as log:
        return [line.strip() for line in log if "WARNING" in line.upper()]


def new_highs(time_limit_s: float | None, options: dict | None) -> tuple[highspy.Highs, str]:
    """A HiGHS instance that logs to a file (read back for warnings) and not to the console."""
    handle, log_path = tempfile.mkstemp(prefix="highs-", suffix=".log")
    os.close(handle)
    highs = highspy.Highs()
    highs.setOptionValue("log_to_console", False)
    highs.setOptionValue("log_file", log_path)
    if time_limit_s is not None:
        highs.setOptionValue("time_limit", float(time_limit_s))
    for key, value in (options or {}).items():
        highs.setOptionValue(key, value)
    return highs, log_path


def read_outcome(highs: highspy.Highs, log_path: str) -> SolveOutcome:
    model_status = highs.getModelStatus()
    status, message = _PLAIN_WORDS.get(
        model_status, ("unknown", f"HiGHS ended with status '{highs.modelStatusToString(model_status)}'."))
    outcome = SolveOutcome(status, message, None, solver_name(), 0.0, log_warnings(log_path))
    if outcome.optimal:
        solution = highs.getSolution()
        outcome.values = np.asarray(solution.col_value)
        outcome.duals = np.asarray(solution.row_dual)
        outcome.objective = highs.getInfo().objective_function_value
    return outcome
