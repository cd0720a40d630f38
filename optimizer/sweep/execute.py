"""Run a sweep's pending samples: in this process (one worker, no scheduler) or as Dask tasks on a
cluster (optimizer.cluster: at an address, else a LocalCluster of worker processes).

On Dask each sample is one task, evaluate_sample(context, id, values); the context (base case,
scenario set, parameters, options) is scattered once to every worker, and each worker keeps its
own evaluator, with its LPs warm, from task to task (evaluate._EVALUATORS: a per-worker cache, so
the scheduler stays free to balance samples and to re-run a lost worker's sample elsewhere). At most
IN_FLIGHT_PER_WORKER samples per worker are submitted ahead: each worker has its next sample
queued when it finishes one, and a sweep of any size keeps a small graph. Outcomes are handed to
`on_outcome` in the order they finish, in this process, which stores them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress

import numpy as np

from .evaluate import ERROR, SampleOutcome, SweepContext, evaluate_sample, release_evaluators

IN_FLIGHT_PER_WORKER = 2


def engine_name(workers: int, scheduler: str | None) -> str:
    if scheduler:
        return f"dask scheduler {scheduler}"
    return "in process" if workers <= 1 else f"dask LocalCluster, {workers} workers"


def run_samples(context: SweepContext, pending: Iterable[tuple[int, np.ndarray]], workers: int,
                scheduler: str | None, on_outcome: Callable[[SampleOutcome], None]) -> None:
    if scheduler is None and workers <= 1:
        _in_process(context, pending, on_outcome)
    else:
        _on_dask(context, pending, workers, scheduler, on_outcome)


def _in_process(context: SweepContext, pending, on_outcome) -> None:
    try:
        for sample_id, values in pending:
            on_outcome(evaluate_sample(context, sample_id, values))
    finally:
        release_evaluators()


def _on_dask(context: SweepContext, pending, workers: int, scheduler: str | None, on_outcome) -> None:
    from distributed import as_completed

    from ..cluster import ClusterError, dask_client, worker_addresses

    with dask_client(scheduler, workers) as client:
        shared = client.scatter(context, broadcast=True, hash=False)
        window = IN_FLIGHT_PER_WORKER * max(1, len(worker_addresses(client)))
        queue, ids, running = iter(pending), {}, as_completed(loop=client.loop)

        def submit_next() -> None:
            item = next(queue, None)
            if item is not None:
                future = client.submit(evaluate_sample, shared, item[0], item[1], pure=False,
                                       key=f"sweep-{context.key[:12]}-{item[0]}")
                ids[future.key] = item[0]
                running.add(future)

        try:
            for _ in range(window):
                submit_next()
            for future in running:
                on_outcome(_outcome_of(future, ids.pop(future.key)))
                future.release()
                submit_next()
        except (OSError, TimeoutError) as exc:  # the scheduler went away (CommClosedError is an OSError)
            raise ClusterError(f"lost the Dask cluster: {exc}; the samples recorded are kept (--resume)") from None
        finally:
            with suppress(OSError, TimeoutError):
                client.run(release_evaluators)  # the workers' LPs are this sweep's: free them
                shared.release()


def _outcome_of(future, sample_id: int) -> SampleOutcome:
    """The task's outcome; a task that failed on Dask's side (e.g. its worker died more often than
    Dask retries) becomes an error outcome with Dask's reason."""
    try:
        return future.result()
    except Exception as exc:
        return SampleOutcome(sample_id, ERROR, f"Dask: {type(exc).__name__}: {exc}", 0.0, "")

