"""Where parallel work runs, for sweeps and for the decomposition's scenario LPs alike: a Dask
cluster at a given address, or a LocalCluster of worker processes started on this machine.

A LocalCluster costs seconds to start (its worker processes import numpy, Pyomo and HiGHS), so
one is kept per worker count for this process's later runs and closed when the process exits.
Each of its workers runs one task at a time (one thread): HiGHS keeps a core busy, and a second
thread per worker would only queue behind it.
"""

from __future__ import annotations

import atexit
import importlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

CONNECT_TIMEOUT_S = 20  # a scheduler that does not answer by then is reported, not waited for
# Dask defaults that cost our workers time and buy nothing here: the statistical profiler samples
# every thread's stack every 10 ms (holding the GIL) for a dashboard this cluster does not serve,
# and MALLOC_TRIM_THRESHOLD_=64 kB hands memory back to the OS after every large free, which HiGHS
# pays in system time on every solve (decomposition at 120x50 on a loaded machine: 3.1 s of system
# time with it, 1.3 s in plain worker processes). Workers of a cluster at an address keep their own
# settings (docs/sweeps.md says how to set these there).
LOCAL_WORKER_CONFIG = {"distributed.worker.profile.enabled": False,
                       "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
_LOCAL: dict[int, tuple] = {}  # worker count -> (LocalCluster, Client) started by this process
_LOCK = threading.Lock()


class ClusterError(RuntimeError):
    """The Dask cluster cannot be reached or started (the message says which and why)."""


@contextmanager
def dask_client(scheduler: str | None, workers: int) -> Iterator:
    """A distributed.Client: connected to the scheduler at `scheduler` (e.g. tcp://10.0.0.5:8786;
    closed on leaving), else on this process's LocalCluster of `workers` worker processes (kept)."""
    if scheduler:
        client = _connect(scheduler)
        try:
            yield client
        finally:
            client.close()
    else:
        yield local_client(workers)


def _connect(address: str):
    from distributed import Client

    try:
        return Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def local_client(workers: int):
    """The Client of this process's LocalCluster with `workers` worker processes, started on first use."""
    import dask
    from distributed import Client, LocalCluster

    with _LOCK:
        if workers not in _LOCAL:
            try:  # dashboard on any free port: None would try 8787 and warn when another cluster has it
                with dask.config.set(LOCAL_WORKER_CONFIG):  # the nannies pass it on to the workers
                    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                           dashboard_address=":0", silence_logs=logging.ERROR)
            except (OSError, TimeoutError) as exc:
                raise ClusterError(f"cannot start a local Dask cluster of {workers} workers: {exc}") from None
            _LOCAL[workers] = (cluster, Client(cluster, set_as_default=False))
        return _LOCAL[workers][1]


def prestart(workers: int, warm_modules: tuple[str, ...] = ()) -> None:
    """Start this process's LocalCluster of `workers` in the background and have its workers import
    `warm_modules`, so that the seconds this takes overlap the caller's own work (the
    decomposition splits its LP meanwhile). A failure here is left for local_client to report."""
    def start() -> None:
        try:
            client = local_client(workers)
            for module in warm_modules:
                client.run(importlib.import_module, module)
        except Exception:  # reported by the caller's own local_client call
            pass

    if workers not in _LOCAL:
        threading.Thread(target=start, name="dask-prestart", daemon=True).start()


def worker_addresses(client) -> list[str]:
    """The cluster's workers, in a fixed order."""
    return sorted(client.scheduler_info(n_workers=-1)["workers"])


def close_local_clusters() -> None:
    """Stop the LocalClusters this process started (also done at exit)."""
    with _LOCK:
        for cluster, client in _LOCAL.values():
            client.close()
            cluster.close()
        _LOCAL.clear()


atexit.register(close_local_clusters)
