"""The prepare step of a state run: each municipality's boundary and incidents cut from state-wide sources.

One task, before the cities: it reads the municipal layer once and writes each municipality's
polygon to ``<output_root>/inputs/<week>/<code>/boundary.geojson``; it streams a state-wide
CSV in chunks (memory bounded by ``chunk_rows``) and writes each municipality's rows, as read
(every column as text, same delimiter and encoding), to ``…/<code>/incidents.csv``: by the IBGE code
column (7 digits, or 6 without the check digit) or by the point inside the boundary (a point
on a shared border goes to the smaller code). Every record read is accounted for: the
records no municipality takes are listed in ``unassigned.csv`` with their reason (row number
and reason only, no personal field). For a PostGIS table filtered by boundary it writes the
SELECT of each municipality instead. The folder is written atomically and reused by a rerun
while the source file is unchanged (same SHA-256 and settings).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["PrepareSpec", "prepare"]

#: reasons of unassigned.csv
NO_CODE, UNKNOWN_CODE = "no_municipality_code", "unknown_municipality_code"
NO_POINT, OUTSIDE = "no_coordinates", "outside_every_municipality"


@dataclass(frozen=True)
class PrepareSpec:
    """What the prepare step reads and writes (paths and settings only)."""

    folder: str  #: <output_root>/inputs/<week>
    codes: tuple[str, ...]  #: every municipality of the run
    #: codes whose boundary comes from the municipal layer
    boundary_codes: tuple[str, ...] = ()
    boundaries: str | None = None
    boundaries_layer: str | None = None
    boundaries_code_column: str = "cd_mun"
    source: str = "per_city"
    path: str | None = None
    filter: str = "code_column"
    code_column: str | None = None
    chunk_rows: int = 200_000
    encoding: str | None = None
    delimiter: str | None = None
    #: coordinate columns (names) for the boundary filter; detected when None
    lat: str | None = None
    lon: str | None = None
    x: str | None = None
    y: str | None = None
    coords_crs: str | None = None
    table: str | None = None
    geometry_column: str = "geom"
    #: the polygons' municipality names, for messages
    names: dict[str, str] = field(default_factory=dict)

    @property
    def needed(self) -> bool:
        """True when there is anything to prepare."""
        return bool(self.boundary_codes) or self.source == "file" or (
            self.source == "postgis" and self.filter == "boundary")


def prepare(spec: PrepareSpec) -> dict[str, dict]:
    """Write the municipalities' boundaries and incident files; return code → files or error.

    Returns
    -------
    dict
        Per IBGE code: ``{"boundary": path}``, ``{"incidents": path}``,
        ``{"incidents_query": sql}`` as needed, or ``{"error": message}`` for a municipality
        whose boundary is not in the municipal layer. The key ``"_summary"`` holds the
        accounting of the state-wide file (rows read, per municipality, unassigned by reason).
    """
    from hotspots.pipeline import atomic

    folder = Path(spec.folder)
    key = _spec_key(spec)
    done = folder / "prepared.json"
    with atomic.folder_lock(folder):
        for _line in atomic.recover(folder):
            pass
        if done.is_file():
            old = json.loads(done.read_text(encoding="utf-8"))
            if old.get("key") == key:
                return old["result"]
        with atomic.swap_in(folder, overwrite=True) as tmp:
            result = _prepare_into(spec, tmp)
            final = {code: {k: (str(folder / Path(v).relative_to(tmp))
                                if k in ("incidents", "boundary") else v)
                            for k, v in entry.items()} if code != "_summary" else entry
                     for code, entry in result.items()}
            (tmp / "prepared.json").write_text(
                json.dumps({"key": key, "spec": asdict(spec), "result": final}, indent=1,
                           ensure_ascii=False) + "\n", encoding="utf-8")
    return final


def _spec_key(spec: PrepareSpec) -> str:
    h = hashlib.sha256(json.dumps(asdict(spec), sort_keys=True).encode())
    for path in (spec.path, spec.boundaries):
        if path and Path(path).is_file():
            h.update(_sha256(Path(path)).encode())
    return h.hexdigest()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _prepare_into(spec: PrepareSpec, tmp: Path) -> dict[str, dict]:
    result: dict[str, dict] = {code: {} for code in spec.codes}
    polygons = None
    if spec.boundaries and (spec.boundary_codes or spec.filter == "boundary"):
        polygons = _read_polygons(spec)
    for code in spec.boundary_codes:
        if polygons is None or code not in polygons.index:
            result[code] = {"error": (
                f"municipality {code} ({spec.names.get(code, '?')}) is not in the boundaries "
                f"layer {spec.boundaries} (column {spec.boundaries_code_column}). Fix: add it, "
                "correct the code, or give the municipality its own boundary")}
            continue
        path = tmp / code / "boundary.geojson"
        path.parent.mkdir(parents=True, exist_ok=True)
        polygons.loc[[code]].reset_index().to_file(path, driver="GeoJSON", engine="pyogrio")
        result[code]["boundary"] = str(path)
    if spec.source == "file":
        if spec.filter == "boundary":
            polygons = _boundary_polygons(spec, polygons, tmp, result)
        summary = split_csv(spec, tmp, polygons)
        for code in spec.codes:
            if "error" not in result[code]:
                result[code]["incidents"] = str(tmp / code / "incidents.csv")
        result["_summary"] = summary
    elif spec.source == "postgis" and spec.filter == "boundary":
        polygons = _boundary_polygons(spec, polygons, tmp, result)
        for code, sql in boundary_queries(spec, polygons).items():
            if "error" not in result[code]:
                result[code]["incidents_query"] = sql
    return result


def _boundary_polygons(spec: PrepareSpec, polygons, tmp: Path, result: dict):
    """Polygons of every municipality for the boundary filter (its own file, or the layer's)."""
    import geopandas as gpd
    import pandas as pd

    from hotspots import ingest

    frames = []
    for code in spec.codes:
        own = result[code].get("boundary")
        if own is None and polygons is not None and code in polygons.index:
            frames.append(polygons.loc[[code]])
        elif own is not None:
            g = ingest.read_layer(own, what="boundary", geometry_types=("Polygon", "MultiPolygon"))
            crs = polygons.crs if polygons is not None else g.crs
            frames.append(gpd.GeoDataFrame({"code": [code]}, geometry=[g.to_crs(crs).union_all()],
                                           crs=crs).set_index("code"))
    if not frames:
        from hotspots._errors import ValidationError

        raise ValidationError("the boundary filter needs the municipalities' polygons; none found")
    return gpd.GeoDataFrame(pd.concat(frames), crs=frames[0].crs)


def _read_polygons(spec: PrepareSpec):
    """The municipal layer indexed by IBGE code (text), one (multi)polygon per code."""
    from hotspots import ingest
    from hotspots._errors import ValidationError

    layer = ingest.read_layer(str(spec.boundaries), layer=spec.boundaries_layer, what="boundaries",
                              geometry_types=("Polygon", "MultiPolygon"))
    col = spec.boundaries_code_column
    if col not in layer.columns:
        raise ValidationError(f"{spec.boundaries}: no column {col!r} (state.boundaries_code_column);"
                              f" the columns are {[c for c in layer.columns if c != 'geometry']}")
    codes = layer[col].astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    layer = layer.assign(code=codes.to_numpy())
    layer = layer.dissolve(by="code")[["geometry"]]
    return layer


# --- the state-wide CSV, in chunks ------------------------------------------------------------


def _sniff(path: Path, encoding: str | None, delimiter: str | None) -> tuple[str, str]:
    """Encoding (UTF-8 or CP1252) and delimiter of a CSV from its first megabyte."""
    head = path.read_bytes()[: 1 << 20] if path.stat().st_size < (1 << 20) else \
        _head(path, 1 << 20)
    if encoding is None:
        cut = head[: head.rfind(b"\n") + 1] or head
        try:
            cut.decode("utf-8")
            encoding = "utf-8-sig"
        except UnicodeDecodeError:
            encoding = "cp1252"
    if delimiter is None:
        first = head.split(b"\n", 1)[0].decode(encoding, errors="replace")
        delimiter = max((",", ";", "\t", "|"), key=first.count)
    return encoding, delimiter


def _head(path: Path, n: int) -> bytes:
    with path.open("rb") as fh:
        return fh.read(n)


def split_csv(spec: PrepareSpec, folder: Path, polygons=None) -> dict:
    """Stream the state-wide CSV and write each municipality's rows to ``<code>/incidents.csv``.

    Every municipality gets a file (the header alone when no record is its). Returns the
    accounting: rows read, rows per municipality, unassigned rows by reason.
    """
    import pandas as pd

    from hotspots._errors import ValidationError

    path = Path(str(spec.path))
    if path.suffix.lower() not in {".csv", ".txt", ".tsv"}:
        raise ValidationError(f"{path}: a state-wide incident file is split as CSV; export it as "
                              "CSV, or give each municipality its own file (source = per_city)")
    encoding, delimiter = _sniff(path, spec.encoding, spec.delimiter)
    # written in the source's encoding, so the city's [inputs] encoding (if set) still holds
    out_encoding = "utf-8" if encoding.lower().replace("_", "-") in ("utf-8-sig", "utf8") \
        else encoding
    codes = sorted(spec.codes)
    per_city = dict.fromkeys(codes, 0)
    reasons: dict[str, int] = {}
    files = {}
    for c in codes:
        (folder / c).mkdir(parents=True, exist_ok=True)
        files[c] = folder / c / "incidents.csv"
    unassigned_path = folder / "unassigned.csv"
    read = 0
    try:
        with pd.read_csv(path, dtype=str, keep_default_na=False, sep=delimiter,
                         encoding=encoding, chunksize=spec.chunk_rows) as chunks:
            read = _split_chunks(spec, chunks, codes, files, unassigned_path, delimiter,
                                 polygons, per_city, reasons, encoding=out_encoding)
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ValidationError(f"{path}: cannot read the state-wide CSV ({exc}). Fix: check its "
                              "encoding (incidents: [defaults.inputs] encoding) and delimiter"
                              ) from exc
    if read == 0:
        raise ValidationError(f"{path}: the state-wide incident file has no data rows")
    return {"path": str(path), "sha256": _sha256(path), "rows_read": read,
            "assigned": int(sum(per_city.values())), "per_municipality": per_city,
            "unassigned": reasons, "encoding": encoding, "delimiter": delimiter,
            "filter": spec.filter}


def _split_chunks(spec, chunks, codes, files, unassigned_path, delimiter, polygons, per_city,
                  reasons, *, encoding: str) -> int:
    """Write each chunk's rows to their municipality's file; return the rows read."""
    import numpy as np
    import pandas as pd

    code_arr = np.array(codes, dtype=object)
    by6 = {c[:6]: c for c in codes}
    read = 0
    for chunk in chunks:
        if read == 0:
            _check_columns(spec, chunk, Path(str(spec.path)))
            for c in codes:  # every municipality gets the header
                chunk.iloc[:0].to_csv(files[c], index=False, sep=delimiter, encoding=encoding)
            pd.DataFrame(columns=["source_row", "reason", "value"]).to_csv(
                unassigned_path, index=False)
        rows = np.arange(read + 1, read + len(chunk) + 1, dtype=np.int64)
        if spec.filter == "code_column":
            which, reason, value = _by_code(chunk[spec.code_column], code_arr, by6)
        else:
            which, reason, value = _by_boundary(spec, chunk, polygons, code_arr)
        order = np.argsort(which, kind="stable")
        sorted_which = which[order]
        starts = np.flatnonzero(np.r_[True, sorted_which[1:] != sorted_which[:-1]])
        ends = np.r_[starts[1:], len(order)]
        for s, e in zip(starts, ends):
            k = int(sorted_which[s])
            if k < 0:
                continue
            part = chunk.iloc[order[s:e]]
            part.to_csv(files[codes[k]], mode="a", header=False, index=False, sep=delimiter,
                        encoding=encoding)
            per_city[codes[k]] += int(e - s)
        lost = which < 0
        if lost.any():
            pd.DataFrame({"source_row": rows[lost], "reason": reason[lost],
                          "value": value[lost]}).to_csv(unassigned_path, mode="a",
                                                        header=False, index=False)
            for r, n in zip(*np.unique(reason[lost], return_counts=True)):
                reasons[str(r)] = reasons.get(str(r), 0) + int(n)
        read += len(chunk)
    return read

def _check_columns(spec: PrepareSpec, chunk, path: Path) -> None:
    from hotspots._errors import ValidationError

    if spec.filter == "code_column" and spec.code_column not in chunk.columns:
        raise ValidationError(f"{path}: no column {spec.code_column!r} (incidents.code_column); "
                              f"the columns are {list(chunk.columns)}")


def _by_code(values, code_arr, by6):
    """Municipality index per row from an IBGE code column (−1: unassigned, with the reason)."""
    import numpy as np

    text = values.astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    six = (text.str.len() == 6).to_numpy()
    full = text.where(~six, text.map(by6).fillna(text))  # 6 digits: the code without check digit
    idx = np.searchsorted(code_arr, full.to_numpy(dtype=object))
    idx = np.minimum(idx, len(code_arr) - 1)
    hit = code_arr[idx] == full.to_numpy(dtype=object)
    which = np.where(hit, idx, -1).astype(np.int64)
    empty = (text == "").to_numpy()
    reason = np.where(empty, NO_CODE, np.where(hit, "", UNKNOWN_CODE)).astype(object)
    return which, reason, text.to_numpy(dtype=object)


def _coordinate_columns(spec: PrepareSpec, columns) -> tuple[str, str, str]:
    """(x column, y column, CRS) of the records: lon/lat in WGS 84 or x/y in coords_crs."""
    from hotspots import ingest
    from hotspots._errors import ValidationError

    norm = {ingest._norm(c): c for c in columns}
    if spec.lon and spec.lat:
        return spec.lon, spec.lat, "EPSG:4326"
    if spec.x and spec.y:
        return spec.x, spec.y, str(spec.coords_crs)
    lat = next((norm[c] for c in ingest.LAT_CANDIDATES if c in norm), None)
    lon = next((norm[c] for c in ingest.LON_CANDIDATES if c in norm), None)
    if lat and lon:
        return lon, lat, "EPSG:4326"
    raise ValidationError("filter = \"boundary\" needs coordinates: name the lat/lon columns in "
                          f"[defaults.columns]; the file's columns are {list(columns)}")


def _by_boundary(spec: PrepareSpec, chunk, polygons, code_arr):
    """Municipality index per row from its point in the polygons (smallest code on borders)."""
    import numpy as np
    import pandas as pd
    import pyproj
    import shapely

    xcol, ycol, crs = _coordinate_columns(spec, chunk.columns)

    def number(s):
        return pd.to_numeric(s.str.strip().str.replace(",", ".", regex=False),
                             errors="coerce").to_numpy(dtype=float)

    x, y = number(chunk[xcol]), number(chunk[ycol])
    ok = np.isfinite(x) & np.isfinite(y)
    tr = pyproj.Transformer.from_crs(crs, polygons.crs, always_xy=True)
    px, py = tr.transform(x[ok], y[ok])
    rank = np.searchsorted(code_arr, polygons.index.to_numpy(dtype=object))
    tree = shapely.STRtree(np.asarray(polygons.geometry.values))
    pts = shapely.points(px, py)
    pt_i, poly_i = tree.query(pts, predicate="intersects")
    best = np.full(len(pts), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best, pt_i, rank[poly_i])
    inside = best < np.iinfo(np.int64).max
    which = np.full(len(chunk), -1, dtype=np.int64)
    sub = np.full(int(ok.sum()), -1, dtype=np.int64)
    sub[inside] = best[inside]
    which[ok] = sub
    reason = np.where(~ok, NO_POINT, np.where(which < 0, OUTSIDE, "")).astype(object)
    value = (chunk[xcol].astype(str) + " " + chunk[ycol].astype(str)).to_numpy(dtype=object)
    return which, reason, value


# --- PostGIS, filtered by boundary in the database ------------------------------------------


def boundary_queries(spec: PrepareSpec, polygons) -> dict[str, str]:
    """Each municipality's SELECT on the state table: points inside its polygon and not inside
    a polygon of a smaller code (so a point on a shared border is read by one city only)."""
    import shapely

    from hotspots.state.config import quoted_table

    srid = polygons.crs.to_epsg()
    codes = sorted(polygons.index)
    geoms = {c: polygons.geometry.loc[c] for c in codes}
    tree = shapely.STRtree([geoms[c] for c in codes])
    g = f'"{spec.geometry_column}"'
    out = {}
    for code in codes:
        poly = geoms[code]
        near = [codes[j] for j in tree.query(poly, predicate="intersects") if codes[j] < code]
        inside = (f"ST_Intersects(ST_Transform({g}, {srid}), "
                  f"ST_GeomFromText('{shapely.to_wkt(poly, rounding_precision=7)}', {srid}))")
        sql = f"SELECT * FROM {quoted_table(str(spec.table))} WHERE {inside}"
        if near:
            lower = shapely.to_wkt(shapely.union_all([geoms[c] for c in near]),
                                   rounding_precision=7)
            sql += (f" AND NOT ST_Intersects(ST_Transform({g}, {srid}), "
                    f"ST_GeomFromText('{lower}', {srid}))")
        out[code] = sql
    return out
