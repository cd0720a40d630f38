"""Where the shipped inputs live. A module of its own, free of heavy imports, so that the command
line can show these defaults in its help without loading pandas or the model."""

from __future__ import annotations

from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPOSITORY / "data"
DEFAULT_SCENARIO_DIR = REPOSITORY / "scenarios"
