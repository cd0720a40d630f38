"""One DataFrame to one Parquet file and back exactly: values, dtypes, column order, index.

pyarrow's pandas metadata restores dtypes and the index (a RangeIndex is kept as metadata). Two
things it does not restore, which are put right here from our own metadata: a column of Python
objects holding text comes back as pandas' text dtype (we turn it back into objects; a missing
value is None), and integer column labels 0..n-1 come back as an Index, not a RangeIndex.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import StoreError

_META_KEY = b"kj_stockpile"


def write_frame(df: pd.DataFrame, path: Path, what: str) -> None:
    """Write df to path (Parquet, snappy). what names the table in an error message."""
    try:
        table = pa.Table.from_pandas(df, preserve_index=None, nthreads=1)  # threads cost more than they save here
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, ValueError, TypeError) as exc:
        raise StoreError(f"table {what} cannot be stored in Parquet: {exc}; give each column one type "
                         "(numbers, text or booleans) and unique column names") from None
    columns = df.columns
    ours = {"dtypes": [str(t) for t in df.dtypes],
            "range_columns": ({"start": columns.start, "step": columns.step, "name": columns.name}
                              if isinstance(columns, pd.RangeIndex) else None)}
    metadata = dict(table.schema.metadata or {})
    metadata[_META_KEY] = json.dumps(ours).encode()
    pq.write_table(table.replace_schema_metadata(metadata), path)


def read_frame(path: Path) -> pd.DataFrame:
    """The DataFrame write_frame wrote, as it was."""
    table = pq.read_table(path)
    df = table.to_pandas()
    raw = (table.schema.metadata or {}).get(_META_KEY)
    if raw is None:
        return df
    ours = json.loads(raw)
    for position, dtype in enumerate(ours["dtypes"]):
        if dtype == "object" and str(df.dtypes.iloc[position]) != "object":
            column = df.iloc[:, position].astype(object)
            df.isetitem(position, column.where(column.notna(), None))
    spec = ours["range_columns"]
    if spec is not None:
        df.columns = pd.RangeIndex(spec["start"], spec["start"] + spec["step"] * len(df.columns), spec["step"],
                                   name=spec["name"])
    return df
