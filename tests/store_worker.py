"""A separate process that records into a run store, for the concurrency and kill tests.

python tests/store_worker.py STORE record N GO_FILE: wait for GO_FILE, then record N runs.
python tests/store_worker.py STORE hang-in-tables READY_FILE: stop (sleep) after two tables are
    written, once READY_FILE is touched; the test kills it there.
python tests/store_worker.py STORE hang-before-index READY_FILE: stop once the run's folder is
    complete and moved into runs/, before its index row is written.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from optimizer import solve_case  # noqa: E402
from optimizer.store import index, layout, record_result  # noqa: E402
from store_fixtures import ban_month_1, one_member  # noqa: E402

HANG_S = 120.0


def hang(ready: Path) -> None:
    ready.touch()
    time.sleep(HANG_S)


def main(store: str, mode: str, arg: str) -> None:
    case = one_member()
    result = solve_case(case, ban_month_1(case), "joint")
    if mode == "record":
        n, go = int(arg.split(":")[0]), Path(arg.split(":")[1])
        while not go.exists():
            time.sleep(0.01)
        for i in range(n):
            print(record_result(store, result, case, f"worker {os.getpid()} run {i}"), flush=True)
        return
    ready = Path(arg)
    if mode == "hang-in-tables":
        written = []
        real_write = layout.write_frame

        def write_then_hang(df, path, what):
            real_write(df, path, what)
            written.append(path)
            if len(written) == 2:
                hang(ready)
        layout.write_frame = write_then_hang
    elif mode == "hang-before-index":
        index.insert_run = lambda *args: hang(ready)
    record_result(store, result, case, "to be killed")


if __name__ == "__main__":
    main(*sys.argv[1:4])
