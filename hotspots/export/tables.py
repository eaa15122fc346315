"""CSV tables for spreadsheets: the pt-BR Excel dialect (';', decimal comma, BOM) or plain CSV."""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots._errors import ValidationError
from hotspots._texts import each
from hotspots.export.gpkg import prepare_table
from hotspots.i18n.formats import fixed_texts

__all__ = ["DIALECTS", "write_table_csv"]

#: per language: delimiter, decimal mark, byte-order mark, true/false words
DIALECTS = {
    "en": {"delimiter": ",", "decimal": ".", "bom": False, "true": "true", "false": "false"},
    "pt": {"delimiter": ";", "decimal": ",", "bom": True, "true": "sim", "false": "não"},
}
#: a cell starting with one of these is read as a formula by spreadsheets (CSV injection)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _dialect(language: str) -> dict:
    code = str(language).strip().lower().replace("_", "-").split("-")[0]
    if code not in DIALECTS:
        raise ValidationError(f"language={language!r}: CSV tables are written for 'en' (comma, "
                              "decimal point) or 'pt'/'pt-BR' (semicolon, decimal comma, BOM)")
    return DIALECTS[code]


def _is_number(text: str) -> bool:
    """A plain number ('-31.77', '+3'): a spreadsheet reads it as a number, not a formula."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _cells(values: pd.Series, digits: int, d: dict) -> list[str]:
    """The text of each cell of one column in the dialect (built column-wise: a plan of a few
    thousand rows × 43 columns is written in milliseconds)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return [d["true"] if v else d["false"] if v is not None and v is not pd.NA else ""
                for v in values.astype(object)]
    if pd.api.types.is_float_dtype(values.dtype):
        arr = values.to_numpy(dtype=float)
        # fixed_texts spells inf/-inf as 'inf'/'-inf' and NaN as 'nan' (blank here); the
        # decimal mark swapped in all the cells at once
        out = fixed_texts(arr.tolist(), digits)
        if d["decimal"] != ".":
            out = each(lambda text: text.replace(".", d["decimal"]), out)
        for i in np.flatnonzero(np.isnan(arr)).tolist():
            out[i] = ""
        return out
    if pd.api.types.is_integer_dtype(values.dtype):
        if isinstance(values.dtype, np.dtype):  # numpy integers: never missing
            return list(map(str, values.to_numpy().tolist()))
        return ["" if pd.isna(v) else str(int(v)) for v in values.astype(object)]
    out = []
    for v in values.astype(object).tolist():
        if type(v) is str:  # the common case first: plain text
            out.append("'" + v if v.startswith(_FORMULA_START) and not _is_number(v) else v)
        elif v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            out.append("")
        elif isinstance(v, bool | np.bool_):
            out.append(d["true"] if v else d["false"])
        elif isinstance(v, float | np.floating):
            out.append(f"{v:.{digits}f}".replace(".", d["decimal"]))
        else:
            text = str(v)
            out.append("'" + text if text.startswith(_FORMULA_START) and not _is_number(text)
                       else text)
    return out


def _csv_text(names: list[str], columns: list[list[str]], delimiter: str) -> str:
    """The CSV text (RFC 4180, CRLF) of the header and the columns' cells, as
    ``csv.writer(quoting=QUOTE_MINIMAL)`` writes it: a cell holding the delimiter, a quote or
    a line break is quoted, its quotes doubled. Built column by column (only the columns that
    hold such a character are looked at cell by cell); one column is left to the csv module
    (its empty cells are written as ``""``)."""
    if len(names) < 2:
        buf = io.StringIO(newline="")
        writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n",
                            quoting=csv.QUOTE_MINIMAL)
        writer.writerow(names)
        writer.writerows(zip(*columns, strict=True) if columns else [])
        return buf.getvalue()
    def quoted(cells: list[str]) -> list[str]:
        joined = "\x00".join(cells)
        if not (delimiter in joined or '"' in joined or "\r" in joined or "\n" in joined):
            return cells
        return ['"' + c.replace('"', '""') + '"'
                if delimiter in c or '"' in c or "\r" in c or "\n" in c else c for c in cells]

    header = delimiter.join(quoted(names))
    rows = map(delimiter.join, zip(*map(quoted, columns), strict=True))
    return "".join(line + "\r\n" for line in (header, *rows))


def write_table_csv(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    language: str,
    headers: Mapping[str, str] | None = None,
    decimals: int | Mapping[str, int] = 2,
) -> Path:
    """Write a table as CSV that a spreadsheet in that language opens correctly.

    Parameters
    ----------
    frame : DataFrame
        The table; a named index becomes the first column(s); geometry columns are not written
        (a CSV is for spreadsheets: use the GeoPackage for shapes); timestamps are ISO 8601.
    path : path
        Output file; written to a temporary file beside it, then moved into place.
    language : {"en", "pt", "pt-BR"}
        "pt": the Brazilian Excel dialect — ``;`` between fields, decimal comma, UTF-8 with a
        byte-order mark, sim/não; "en": ``,``, decimal point, UTF-8 without BOM, true/false.
        Rows end with CRLF (RFC 4180).
    headers : mapping, optional
        New names of columns (e.g. Portuguese headers); unlisted columns keep their names.
    decimals : int or mapping
        Digits after the decimal mark for float columns (one number, or per column; columns
        not in the mapping get 2).

    Returns
    -------
    Path
        The file written. Text cells starting with ``= + - @`` get a leading apostrophe so a
        spreadsheet does not run them as formulas.
    """
    d = _dialect(language)
    path = Path(path)
    table = frame
    if isinstance(table, gpd.GeoDataFrame):
        table = pd.DataFrame(table.drop(columns=table.geometry.name))
    table = prepare_table(table)
    geo = [c for c in table.columns if isinstance(table[c].dtype, gpd.array.GeometryDtype)]
    table = table.drop(columns=geo)
    names = [str((headers or {}).get(c, c)) for c in table.columns]
    columns = []
    for c in table.columns:
        digits = decimals.get(c, 2) if isinstance(decimals, Mapping) else int(decimals)
        columns.append(_cells(table[c], digits, d))
    path.parent.mkdir(parents=True, exist_ok=True)
    text = _csv_text(names, columns, d["delimiter"])
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig" if d["bom"] else "utf-8",
                       newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
