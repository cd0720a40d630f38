"""What can go wrong with a run store, said so that a user knows what to do (never a traceback)."""

from __future__ import annotations


class StoreError(Exception):
    """The store cannot do what was asked: missing, corrupt, from a newer version, not writable,
    or given something it cannot keep. The message is meant for the user as it stands."""


class RunNotFoundError(StoreError):
    """No run (or more than one) answers to the id given."""
