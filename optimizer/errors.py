"""Input problems, collected all at once and reported as one error."""

from __future__ import annotations

import errno
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is and what would be valid."""

    file: str
    row: int | None  # 1-based line in the file as an editor shows it (the header's line for the header); None: whole file
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


class InputError(Exception):
    """Raised with every problem found in the input, never with only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(self.report())

    def report(self) -> str:
        lines = [f"{len(self.problems)} problem(s) in the input:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


def require(value: object, kinds: type | tuple[type, ...], call: str, argument: str, valid: str) -> None:
    """Raise InputError unless value is one of kinds: a Python caller who passes a wrongly shaped
    argument gets the same kind of error as a wrong file, naming the call and the argument."""
    if not isinstance(value, kinds):
        raise InputError([Problem(f"{call}()", None, argument,
                                  f"is {type(value).__name__} {_short(value)}; it must be {valid}")])


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def os_problem(file: str, exc: OSError, what: str) -> Problem:
    """A file-system error said in words (never a traceback): what could not be done and why."""
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENAMETOOLONG:
        reason = "the name is too long for the file system (at most 255 bytes per name)"
    return Problem(file, None, None, f"cannot {what}: {reason}")
