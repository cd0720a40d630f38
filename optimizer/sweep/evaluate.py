"""Evaluate one sample: its inputs, a warm re-solve, its headline answers, its status.

A SampleEvaluator keeps one WarmRunner (optimizer.warm) for a sweep, so each sample re-solves from
the previous sample's LPs and bases: a sample that changes only numbers takes the runner's
warm-numbers path, no Pyomo build. Each worker that evaluates samples (this process, or each Dask
worker) keeps one evaluator, for the sweep it is working on, in _EVALUATORS, made on its first
sample.

A sample never raises: inputs the tables' rules reject are `invalid`, an LP that is not optimal
makes it `not_optimal` (every LP is checked, the calm reference's too), anything else is `error`;
each with its reason, and no answers.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from dataclasses import dataclass, field

import numpy as np

from ..case import Case
from ..errors import InputError
from ..inputs import RunOptions
from ..run import RunResult
from ..scenarios import ScenarioSet
from ..warm import WarmRunner
from .headline import headline_answers
from .parameters import Parameter
from .sample_inputs import SampleInputs

OPTIMAL, NOT_OPTIMAL, INVALID, ERROR = "optimal", "not_optimal", "invalid", "error"


@dataclass(frozen=True)
class SweepContext:
    """What evaluating a sample needs, sent once to each worker (picklable)."""

    key: str  # the sweep's id
    case: Case
    scenario_set: ScenarioSet
    parameters: tuple[Parameter, ...]
    mode: str
    options: RunOptions


@dataclass
class SampleOutcome:
    sample_id: int
    status: str
    reason: str
    seconds: float
    worker: str
    answers: list[tuple] = field(default_factory=list)  # (quantity, solution, member, commodity, value)

    @property
    def optimal(self) -> bool:
        return self.status == OPTIMAL


class SampleEvaluator:
    def __init__(self, context: SweepContext):
        self.context = context
        self.inputs = SampleInputs(context.case, context.scenario_set, list(context.parameters))
        self.runner = WarmRunner()
        worker = _worker_id()  # a Dask worker's address names it; else this host and process
        self.worker = f"{socket.gethostname()}:{os.getpid()}" if worker == "local" else worker

    def evaluate(self, sample_id: int, values: np.ndarray) -> SampleOutcome:
        started = time.perf_counter()
        status, reason, answers = self._solve(np.asarray(values, dtype=float))
        return SampleOutcome(sample_id, status, reason, time.perf_counter() - started, self.worker, answers)

    def _solve(self, values: np.ndarray) -> tuple[str, str, list[tuple]]:
        try:
            case = self.inputs.case_for(values)
            scenario_set = self.inputs.scenario_set_for(values)
        except InputError as exc:
            return INVALID, exc.report(), []
        except Exception as exc:  # recorded with the sample; the sweep goes on
            return ERROR, _reason(exc), []
        try:
            result = self.runner.solve(case, scenario_set, self.context.mode, self.context.options)
            failed = _not_optimal(result)
            if failed:
                return NOT_OPTIMAL, failed, []
            return OPTIMAL, "", headline_answers(result)
        except Exception as exc:  # recorded with the sample; the sweep goes on
            self.runner.close()  # its LPs may be half updated: the next sample starts cold
            self.runner = WarmRunner()
            return ERROR, _reason(exc), []

    def close(self) -> None:
        self.runner.close()


def _reason(exc: Exception) -> str:
    """The exception and where it was raised, in one line."""
    last = traceback.extract_tb(exc.__traceback__)[-1]
    return f"{type(exc).__name__}: {exc} ({os.path.basename(last.filename)}:{last.lineno})"


def _not_optimal(result: RunResult) -> str:
    """Why a run is not a plan: every LP that is not optimal, the calm reference's included."""
    solutions = result.solutions + (result.calm.solutions if result.calm is not None else [])
    return "; ".join(f"{s.label}: {s.outcome.status} - {s.outcome.message}" for s in solutions if not s.optimal)


_EVALUATORS: dict[str, SampleEvaluator] = {}  # by worker (a process may hold several Dask workers as threads)


def _worker_id() -> str:
    """The Dask worker this runs on, else this process: each keeps its own evaluator."""
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return "local"


def evaluate_sample(context: SweepContext, sample_id: int, values: np.ndarray) -> SampleOutcome:
    """Evaluate one sample with this worker's evaluator for the sweep (made on first use; one of
    another sweep is closed first, to free its LPs)."""
    worker = _worker_id()
    evaluator = _EVALUATORS.get(worker)
    if evaluator is None or evaluator.context.key != context.key:
        if evaluator is not None:
            evaluator.close()
        evaluator = _EVALUATORS[worker] = SampleEvaluator(context)
    return evaluator.evaluate(sample_id, values)

def release_evaluators() -> None:
    """Close this process's sweep evaluators (their LPs and HiGHS instances)."""
    while _EVALUATORS:
        _EVALUATORS.popitem()[1].close()
