"""A sweep's own folder: what it is, its samples, and each sample's outcome as soon as it finishes.

    <folder>/sweep.json       the sweep's definition and design settings (for people; also in the db)
    <folder>/samples.sqlite   meta, design (every sample's parameter values), sessions, samples
                              (status, reason, seconds, worker, session) and answers (long form)

SQLite (Python's own sqlite3) because each sample is one small transaction: a sample is recorded
whole or not at all, and a sweep killed at any moment resumes from exactly the samples recorded
(WAL journal; synchronous=NORMAL survives a killed process, which is what resuming must survive).
One process writes: the one that runs the sweep; workers only return outcomes. A sample is
inserted once (its id is the primary key): recomputing a recorded sample would fail, not hide.
The folder is made complete before it is named (a .tmp database renamed into place).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import numpy as np
import pandas as pd

from .design import Design
from .evaluate import OPTIMAL, SampleOutcome
from .headline import COLUMNS

DB_FILE, DEFINITION_FILE = "samples.sqlite", "sweep.json"
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE design (sample_id INTEGER PRIMARY KEY, label TEXT NOT NULL, vals BLOB NOT NULL);
CREATE TABLE sessions (session INTEGER PRIMARY KEY, started TEXT NOT NULL, engine TEXT NOT NULL);
CREATE TABLE samples (sample_id INTEGER PRIMARY KEY REFERENCES design(sample_id), status TEXT NOT NULL,
                      reason TEXT NOT NULL, seconds REAL NOT NULL, worker TEXT NOT NULL,
                      session INTEGER NOT NULL, finished TEXT NOT NULL);
CREATE TABLE answers (sample_id INTEGER NOT NULL REFERENCES samples(sample_id), quantity TEXT NOT NULL,
                      solution TEXT NOT NULL, member TEXT NOT NULL, commodity TEXT NOT NULL, value REAL NOT NULL);
CREATE INDEX answers_by_sample ON answers (sample_id);
"""


class SampleStore:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.db = sqlite3.connect(self.folder / DB_FILE, isolation_level=None)  # explicit transactions
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")

    @classmethod
    def exists(cls, folder: Path) -> bool:
        return (Path(folder) / DB_FILE).is_file()

    @classmethod
    def create(cls, folder: Path, sweep_id: str, definition: dict, design: Design) -> "SampleStore":
        """A new store holding the definition and every sample's values, made whole before it is named."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / (DB_FILE + ".tmp")
        if tmp.exists():
            tmp.unlink()
        db = sqlite3.connect(tmp)
        with db:
            db.executescript(_SCHEMA)
            meta = {"sweep_id": sweep_id, "definition": json.dumps(definition), "design": json.dumps(
                {"method": design.method, "names": design.names, "settings": design.settings, "fixed": design.fixed})}
            db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
            db.executemany("INSERT INTO design VALUES (?, ?, ?)",
                           [(i, label, np.asarray(row, dtype="<f8").tobytes())
                            for i, (label, row) in enumerate(zip(design.labels, design.values))])
        db.close()
        (folder / DEFINITION_FILE).write_text(json.dumps({"sweep_id": sweep_id, **definition,
                                                          "design": json.loads(meta["design"]),
                                                          "samples_planned": design.size}, indent=1))
        os.replace(tmp, folder / DB_FILE)
        return cls(folder)

    def meta(self, key: str) -> str:
        return self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0]

    @property
    def sweep_id(self) -> str:
        return self.meta("sweep_id")

    def definition(self) -> dict:
        return json.loads(self.meta("definition"))

    def design(self) -> Design:
        head = json.loads(self.meta("design"))
        rows = self.db.execute("SELECT label, vals FROM design ORDER BY sample_id").fetchall()
        values = np.array([np.frombuffer(blob, dtype="<f8") for _, blob in rows]).reshape(len(rows), len(head["names"]))
        return Design(head["method"], head["names"], values, [label for label, _ in rows], head["settings"],
                      head["fixed"])

    def recorded_ids(self) -> set[int]:
        return {row[0] for row in self.db.execute("SELECT sample_id FROM samples")}

    def forget_failed(self) -> int:
        """Drop the samples that did not end optimal, so that they are computed again; how many."""
        self.db.execute("BEGIN")
        count = self.db.execute("DELETE FROM samples WHERE status != ?", (OPTIMAL,)).rowcount
        self.db.execute("COMMIT")
        return count

    def new_session(self, engine: str) -> int:
        self.db.execute("BEGIN")
        cursor = self.db.execute("INSERT INTO sessions (started, engine) VALUES (?, ?)", (_now(), engine))
        self.db.execute("COMMIT")
        return int(cursor.lastrowid)

    def record(self, outcome: SampleOutcome, session: int) -> None:
        """One sample and its answers, in one transaction."""
        self.db.execute("BEGIN")
        try:
            self.db.execute("INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (outcome.sample_id, outcome.status, outcome.reason, outcome.seconds, outcome.worker,
                             session, _now()))
            self.db.executemany("INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?)",
                                [(outcome.sample_id, *row) for row in outcome.answers])
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def samples(self) -> pd.DataFrame:
        frame = pd.read_sql_query("SELECT * FROM samples ORDER BY sample_id", self.db)
        return frame.astype({"sample_id": int, "seconds": float, "session": int})

    def answers(self) -> pd.DataFrame:
        """Every optimal sample's answers: sample_id, quantity, solution, member, commodity, value."""
        frame = pd.read_sql_query(f"SELECT sample_id, {', '.join(COLUMNS)} FROM answers ORDER BY rowid", self.db)
        return frame.astype({"sample_id": int, "value": float})  # typed even when empty

    def close(self) -> None:
        self.db.close()


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
