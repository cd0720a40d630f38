"""Read a CSV file's bytes into text cells, remembering the line each row starts on as an editor
shows it, and naming every problem by line and column (never a byte offset or a parser's text).

pandas' reader drops blank lines and counts a quoted cell's line breaks inconsistently, and it
stops at the first undecodable byte; this reader keeps the lines, reads past bad bytes and says
which cell holds them. It accepts what pandas accepted before: a UTF-8 byte-order mark, CRLF or CR
line ends, quoted cells with commas or line breaks, and a header padded with spaces."""

from __future__ import annotations

import csv
import io
import re
import sys
from dataclasses import dataclass, field

from .errors import Problem

# A byte that is not UTF-8 decodes (errors="surrogateescape") to U+DC80..U+DCFF, which valid text
# never holds; a NUL is mapped to U+DC00 so that both can be found in the cells after parsing.
_NUL_MARK = "\udc00"
_BAD_LOW = 0xDC00
_BAD_CHARACTER = re.compile("[\udc00-\udcff]")


@dataclass
class CsvText:
    """The cells of one CSV file. rows[i] has one cell per header column ("" where the row was
    short); row_lines[i] is the line rows[i] starts on; bad_rows holds the positions of rows that
    have a problem here already (their cells are not to be trusted)."""

    file: str
    header: list[str] = field(default_factory=list)
    header_line: int = 1
    rows: list[list[str]] = field(default_factory=list)
    row_lines: list[int] = field(default_factory=list)
    bad_rows: set[int] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    readable: bool = True  # False: no header could be read, the file holds no table

    def column(self, name: str) -> list[str]:
        i = self.header.index(name)
        return [row[i] for row in self.rows]


def read_csv_bytes(data: bytes, file: str) -> CsvText:
    """Parse data (a whole CSV file) into a CsvText; problems are collected, never raised."""
    out = CsvText(file)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        out.problems.append(Problem(file, None, None, "is UTF-16 text; save it as UTF-8 (CSV UTF-8 in a "
                                                      "spreadsheet's Save As)"))
        out.readable = False
        return out
    text = data.decode("utf-8-sig", errors="surrogateescape").replace("\x00", _NUL_MARK)
    records = _records(text)
    if not records:
        out.problems.append(Problem(file, None, None, "not a readable CSV file: it is empty; the first line must "
                                                      "be the header"))
        out.readable = False
        return out
    _check_quotes(text, records, out)
    (out.header_line, _, header), body = records[0], records[1:]
    if not _read_header(header, out):
        return out
    clean = _BAD_CHARACTER.search(text) is None  # then no cell needs looking at one by one
    for line, _, cells in body:
        _add_row(line, cells, out, clean)
    return out


def _records(text: str) -> list[tuple[int, int, list[str]]]:
    """(first line, last line, cells) of every record that is not blank."""
    limit = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)  # pandas has no cell-size limit; a long source text is valid
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        out, next_line = [], 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                out.append((next_line, reader.line_num, cells))
            next_line = reader.line_num + 1
        return out
    finally:
        csv.field_size_limit(limit)


def _check_quotes(text: str, records: list[tuple[int, int, list[str]]], out: CsvText) -> None:
    """A quote that is never closed, or closed too early, makes the lenient reader run one record
    into the next lines: a row silently swallowed into a cell. Such a record spans several lines,
    so only those (and the last, where a quote open at the end of the file ends) are re-read
    quote by quote; one that spans lines legitimately (a quoted line break) passes. Text after a
    closing quote on one line ("a"b) was accepted by pandas and still is."""
    lines = io.StringIO(text, newline="").readlines()  # the csv module's own line ends
    for i, (start, end, cells) in enumerate(records):
        if end == start and i < len(records) - 1:
            continue
        fault = _quote_fault("".join(lines[start - 1:end]))
        if fault is not None and (end > start or "never closed" in fault[1]):
            cell, what = fault
            out.problems.append(Problem(out.file, start, _field_name(records, cell),
                                        f"{what}, so lines {start}-{end} were read as one row; a double quote "
                                        'inside a quoted cell is written "" and the cell ends with a quote'))
            out.bad_rows.add(i - 1)  # data row i - 1 (records[0] is the header)


def _quote_fault(record: str) -> tuple[int, str] | None:
    """(cell index, what is wrong) for the first misplaced quote of one record's text, or None.
    A quote inside an unquoted cell is literal, as for pandas and the csv module."""
    cell, state, i = 0, "start", 0
    while i < len(record):
        ch = record[i]
        if state == "quoted":
            if ch == '"' and record[i + 1:i + 2] == '"':
                i += 1
            elif ch == '"':
                if record[i + 1:i + 2] not in ("", ",", "\r", "\n"):
                    return cell, "a quoted cell has text after its closing quote"
                state = "closed"
        elif ch == ",":
            cell, state = cell + 1, "start"
        elif ch in "\r\n":
            return None  # the record ends here
        elif state == "start":
            state = "quoted" if ch == '"' else "plain"
        i += 1
    return (cell, "a cell opens with a double quote that is never closed") if state == "quoted" else None


def _field_name(records: list[tuple[int, int, list[str]]], i: int) -> str:
    header = [cell.strip() for cell in records[0][2]]
    return header[i] if 0 <= i < len(header) else f"cell {i + 1}"


def _read_header(header: list[str], out: CsvText) -> bool:
    names = [cell.strip() for cell in header]
    for name in names:
        if _bad_characters(name):
            out.problems.append(Problem(out.file, out.header_line, None,
                                        f"the header {_bad_characters(name)}; save the file as UTF-8"))
            out.readable = False
            return False
    seen: set[str] = set()
    for name in names:
        if name in seen:
            out.problems.append(Problem(out.file, out.header_line, name, "this column appears twice in the "
                                                                         "header; keep one"))
        seen.add(name)
    out.header = names
    return True


def _add_row(line: int, cells: list[str], out: CsvText, clean: bool = False) -> None:
    i = len(out.rows)
    width = len(out.header)
    if len(cells) > width:
        extra = ",".join(cells[width:])
        out.problems.append(Problem(out.file, line, out.header[-1] if out.header else None,
                                    f"the row has {len(cells)} cells but the header {width} columns; the extra "
                                    f"'{_shown(extra)}' comes after this last column. A cell holding a comma "
                                    "must be in double quotes"))
        out.bad_rows.add(i)
    cells = (cells + [""] * width)[:width]
    for j, (name, cell) in enumerate(zip(out.header, cells)):
        bad = None if clean else _bad_characters(cell)
        if bad:
            out.problems.append(Problem(out.file, line, name, f"the cell {bad}; save the file as UTF-8"))
            out.bad_rows.add(i)
            cells[j] = _BAD_CHARACTER.sub("\ufffd", cell)  # nothing downstream can hold the raw byte
    out.rows.append(cells)
    out.row_lines.append(line)


def _bad_characters(text: str) -> str | None:
    """What is wrong with text's characters (a NUL, a byte that is not UTF-8), or None."""
    found = _BAD_CHARACTER.search(text)
    if found is None:
        return None
    if found.group() == _NUL_MARK:
        return "holds a NUL byte (0x00)"
    return f"holds the byte 0x{ord(found.group()) - _BAD_LOW:02X}, which is not UTF-8 text (Latin-1 or Windows-1252?)"


def _shown(text: str) -> str:
    text = _BAD_CHARACTER.sub(lambda m: f"\\x{ord(m.group()) - _BAD_LOW:02x}", text)
    return text if len(text) <= 40 else text[:37] + "..."
