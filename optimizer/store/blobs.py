"""Content-addressed copies of input files: stored once under their SHA-256, whatever run used them.

A blob is written to a private temporary file and renamed into place, so two processes storing the
same file at once both succeed and a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from .errors import StoreError
from .location import BLOBS_DIR


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def blob_path(store: Path, digest: str) -> Path:
    return store / BLOBS_DIR / digest[:2] / digest


def put_blob(store: Path, data: bytes) -> str:
    """Keep data under its SHA-256 (once); return the digest."""
    digest = sha256_of(data)
    target = blob_path(store, digest)
    if not target.exists():
        write_atomically(target, data)
    return digest


def write_atomically(target: Path, data: bytes) -> None:
    """Write a private temporary file beside target and rename it over target."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".part-", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def get_blob(store: Path, digest: str) -> bytes:
    """The content stored under digest, checked against it."""
    path = blob_path(store, digest)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise StoreError(f"the store has lost an input file ({path} is missing)") from None
    if sha256_of(data) != digest:
        raise StoreError(f"the input file {path} is corrupt (its content does not match its hash)")
    return data
