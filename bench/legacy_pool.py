"""The decomposition's process pool as it was until the switch to Dask (optimizer/decompose.py
before issue 15), kept only so that bench/sweep.py can measure the Dask engine against it in the
same run. Not used by the optimizer.

Each call starts `workers` processes by 'spawn', sends each its leaves and the template through a
pipe, and answers evaluate/finish requests until the solve ends; the processes end with it.
Plug it in with `solve_decomposed(p, options, pool=process_pool(2))`.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection

import numpy as np

from optimizer.decompose import LeafGroup, LeafSpec
from optimizer.lp.template import ScenarioTemplate


def _worker(connection, specs, template, options) -> None:
    """A worker process: build its leaves' LPs, then answer evaluate/finish requests."""
    group = None
    try:
        group = LeafGroup(specs, template, options)
        connection.send(("ready", None))
        while True:
            command, x = connection.recv()
            connection.send(("ok", group.evaluate(x) if command == "evaluate" else group.finish(x)))
            if command == "finish":
                return
    except Exception as exc:  # reported to the main process, which raises it as a solve failure
        connection.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        if group is not None:
            group.close()
        connection.close()


class _Workers:
    """Leaf groups in worker processes (round-robin), as the retired pool dealt them."""

    def __init__(self, specs: list[LeafSpec], template: ScenarioTemplate, options: dict, workers: int):
        groups = [specs[w::workers] for w in range(workers) if specs[w::workers]]
        self.order = [spec for group in groups for spec in group]
        context = multiprocessing.get_context("spawn")  # no fork of a process holding HiGHS threads
        self.connections, self.processes = [], []
        for group in groups:
            parent, child = context.Pipe()
            process = context.Process(target=_worker, args=(child, group, template.portable(), options), daemon=True)
            process.start()
            self.connections.append(parent)
            self.processes.append(process)
        self._gather()

    def _gather(self) -> list:
        replies = []
        for connection, process in zip(self.connections, self.processes):
            multiprocessing.connection.wait([connection, process.sentinel])
            if not connection.poll():
                raise RuntimeError(f"a worker process ended unexpectedly (exit code {process.exitcode})")
            status, payload = connection.recv()
            if status == "error":
                raise RuntimeError(payload)
            replies.append(payload)
        return replies

    def evaluate(self, x: np.ndarray) -> list:
        for connection in self.connections:
            connection.send(("evaluate", x))
        return [pair for reply in self._gather() for pair in reply]

    def finish(self, x: np.ndarray) -> list:
        for connection in self.connections:
            connection.send(("finish", x))
        return [result for reply in self._gather() for result in reply]

    def close(self) -> None:
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
        for connection in self.connections:
            connection.close()


def process_pool(workers: int):
    """The retired pool as a `pool` for optimizer.decompose.solve_decomposed."""
    return lambda specs, template, options: _Workers(specs, template, options, workers)
