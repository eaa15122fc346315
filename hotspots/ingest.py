"""Reading incident records (CSV, GeoPackage, GeoJSON, Shapefile, GeoParquet) into one contract."""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import crs as crs_mod
from hotspots import timeparse
from hotspots._errors import CRSError, ValidationError
from hotspots._validate import to_number as _to_number
from hotspots.checksum import file_sha256
from hotspots.disclosure.personal import is_personal_column, mask_frame
from hotspots.rejects import RejectCollector

__all__ = ["IncidentsRead", "read_incidents", "read_layer"]

ID_CANDIDATES = ("incident_id", "id", "id_ocorrencia", "ocorrencia", "numero_bo", "bo", "n_bo")
TIME_CANDIDATES = (
    "occurred_at", "datetime", "data_hora", "datahora", "timestamp", "data_fato", "date_time",
    "dt_fato", "data",
)
CATEGORY_CANDIDATES = ("category", "categoria", "tipo", "natureza", "crime", "tipo_crime", "offense")
LAT_CANDIDATES = ("lat", "latitude", "lat_y")
LON_CANDIDATES = ("lon", "lng", "long", "longitude", "lon_x")
X_CANDIDATES = ("x", "coord_x", "easting", "utm_x")
Y_CANDIDATES = ("y", "coord_y", "northing", "utm_y")
ADDRESS_CANDIDATES = ("address", "endereco", "logradouro_completo", "local", "endereco_fato")
BAIRRO_CANDIDATES = ("bairro", "neighbourhood", "neighborhood", "distrito")
VECTOR_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".fgb", ".gml", ".kml", ".zip"}
PARQUET_SUFFIXES = {".parquet", ".geoparquet", ".pq"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}


@dataclass(frozen=True)
class IncidentsRead:
    """Incidents read from one source: usable rows, rejected rows, and how they were read."""

    incidents: gpd.GeoDataFrame  #: index incident_id; occurred_at, category, address, geometry
    rejects: pd.DataFrame
    rows_read: int
    source: str
    sha256: str | None
    columns: dict[str, str | None]
    encoding: str | None = None
    delimiter: str | None = None
    time_format: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: data minimisation: columns kept and dropped at read, personal-looking names among the
    #: dropped, values masked per column and kind (CPF, phone, e-mail, plate); no value
    privacy: dict = field(default_factory=dict)


def read_incidents(
    path: str | Path,
    *,
    layer: str | None = None,
    id_column: str | None = None,
    time_column: str | None = None,
    time_format: str | None = None,
    timezone: str = "America/Sao_Paulo",
    category_column: str | None = None,
    lat_column: str | None = None,
    lon_column: str | None = None,
    x_column: str | None = None,
    y_column: str | None = None,
    coords_crs: object = None,
    address_column: str | None = None,
    bairro_column: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    keep_columns: tuple[str, ...] | list[str] = (),
) -> IncidentsRead:
    """Read incidents from a file, rejecting (never dropping) rows that cannot be used.

    Data minimisation (LGPD art. 6 III): only the columns the analysis needs are read — id,
    time, category, coordinates (CSV), address, bairro — plus ``keep_columns``; every other
    column is left in the file (never read into a table), and the names of those that look
    personal are reported (``IncidentsRead.privacy``). ``keep_columns`` that look personal
    (:func:`hotspots.privacy.is_personal_column`) are refused. CPF numbers, phone numbers,
    e-mail addresses and vehicle plates in the text columns kept are masked (``[cpf]``,
    ``[phone]``, ``[email]``, ``[plate]``) before anything else sees them.

    A CSV whose last line has no line break is taken to be torn (still being written): that
    row is rejected as ``truncated_row`` and the others are read.

    CSV: coordinates in ``lat``/``lon`` columns (WGS 84) or ``x``/``y`` columns in
    ``coords_crs``; decimal commas accepted; encoding (UTF-8 or Latin-1/CP1252) and delimiter
    (, ; tab |) detected unless given. Vector files (GeoPackage, GeoJSON, Shapefile, GeoParquet)
    use their point geometry and CRS. Timestamps are parsed with ``time_format`` (strftime) or
    detected, and made timezone-aware in ``timezone`` (default America/Sao_Paulo).

    Parameters
    ----------
    path, layer : str or Path, str
        The incidents file (.csv, .gpkg, .geojson, .shp, .parquet) and its layer.
    id_column, time_column, category_column, address_column, bairro_column : str, optional
        The columns of each role (found by their usual names when not given).
    lat_column, lon_column, x_column, y_column, coords_crs : str, optional
        CSV coordinates: lat/lon in degrees (WGS 84), x/y in the units of ``coords_crs``.
    time_format, timezone, delimiter, encoding : str, optional
        strftime format, IANA zone of naive times, CSV delimiter and encoding (detected).
    keep_columns : tuple of str
        Further columns to read (``[columns] keep``); personal-looking names are refused.

    Returns
    -------
    IncidentsRead
        ``incidents`` (index ``incident_id``), ``rejects``, ``source`` and ``privacy``.
    """
    path = Path(path)
    if not path.exists():
        raise ValidationError(f"{path}: file not found")
    if path.is_file() and path.stat().st_size == 0:
        raise ValidationError(f"{path}: the file is empty (0 bytes); expected incident records")
    suffix = path.suffix.lower()
    digest = file_sha256(path) if path.is_file() else None
    notes: list[str] = []
    src = str(path)
    given = {"id": id_column, "time": time_column, "category": category_column,
             "address": address_column, "bairro": bairro_column, "lat": lat_column,
             "lon": lon_column, "x": x_column, "y": y_column}
    minimised: dict = {}

    def select(columns: list[str], *, coordinates: bool) -> list[str]:
        kept, report = _minimise(columns, given=given, keep=tuple(keep_columns), src=src,
                                 coordinates=coordinates)
        minimised.update(report)
        return kept

    if suffix in CSV_SUFFIXES:
        raw, encoding, delimiter, truncated = _read_csv_text(
            path, encoding=encoding, delimiter=delimiter,
            select=lambda c: select(c, coordinates=True))
        geometry_source = None
    elif suffix in VECTOR_SUFFIXES or suffix in PARQUET_SUFFIXES or path.is_dir():
        raw, geometry_source = _read_vector(path, layer=layer, suffix=suffix,
                                            select=lambda c: select(c, coordinates=False))
        truncated = False
    else:
        raise ValidationError(
            f"{path}: unknown file type {suffix!r}. Use CSV, GeoPackage (.gpkg), GeoJSON, "
            "Shapefile (.shp) or GeoParquet (.parquet)."
        )
    if len(raw) == 0:
        raise ValidationError(f"{path}: the file has a header but no data rows")
    coord_names = {given.get(r) or minimised.get("roles", {}).get(r)
                   for r in ("lat", "lon", "x", "y")}
    id_name = given["id"] or minimised.get("roles", {}).get("id")
    raw, masked = mask_frame(raw, [c for c in raw.columns
                                   if c not in coord_names and c != id_name])
    minimised["values_masked"] = masked
    minimised.pop("roles", None)
    if masked:
        notes.append("personal values masked in the text columns kept: " + ", ".join(
            f"{col} ({', '.join(f'{n} {kind}' for kind, n in kinds.items())})"
            for col, kinds in masked.items()))

    cols = {
        "id": _pick(raw, id_column, ID_CANDIDATES, "id_column", src, required=False),
        "time": _pick(raw, time_column, TIME_CANDIDATES, "time_column", src, required=True),
        "category": _pick(raw, category_column, CATEGORY_CANDIDATES, "category_column", src,
                          required=False),
        "address": _pick(raw, address_column, ADDRESS_CANDIDATES, "address_column", src,
                         required=False),
        "bairro": _pick(raw, bairro_column, BAIRRO_CANDIDATES, "bairro_column", src,
                        required=False),
    }
    frame = pd.DataFrame(index=raw.index)
    frame["source_row"] = np.arange(1, len(raw) + 1, dtype=np.int64)
    for name in raw.columns:
        if name != "geometry":
            frame[name] = raw[name].astype("string")
    if cols["id"] is None:
        frame["incident_id"] = "row-" + frame["source_row"].astype(str)
        notes.append("no incident id column: ids are 'row-<n>' (n = data row number)")
    else:
        frame["incident_id"] = raw[cols["id"]].astype("string").str.strip()
    frame["category"] = (
        raw[cols["category"]].astype("string").str.strip().fillna("").replace("", "unspecified")
        if cols["category"] else "unspecified"
    )
    frame["address"] = (
        raw[cols["address"]].astype("string").fillna("").str.strip() if cols["address"] else ""
    )
    frame["bairro"] = (
        raw[cols["bairro"]].astype("string").fillna("").str.strip() if cols["bairro"] else ""
    )

    # geometry
    if geometry_source is None:
        points, coord_problem, coords_present, point_crs, coord_cols = _csv_points(
            raw, src, lat_column, lon_column, x_column, y_column, coords_crs
        )
        cols.update(coord_cols)
    else:
        points, coord_problem, coords_present, point_crs = _vector_points(geometry_source, src)

    # timestamps
    parsed = timeparse.parse_times(
        raw[cols["time"]], time_format=time_format, timezone=timezone, source=src,
        column=cols["time"],
    )
    frame["occurred_at"] = parsed.values

    collector = RejectCollector(frame, stage="ingest")
    reject = collector.reject
    if truncated:  # first: its fields (id, time, coordinates) may be cut anywhere
        last = np.zeros(len(frame), dtype=bool)
        last[-1] = True
        reject(last, "truncated_row",
               "the file does not end with a line break, so its last row may be cut off (a "
               "file still being written or copied); re-export the file or wait until it is "
               "complete")
        notes.append("the last row has no line break: rejected as truncated_row")

    dup = frame["incident_id"].duplicated(keep="first").to_numpy() & frame["incident_id"].notna().to_numpy()
    if dup.any():
        first_row = frame.groupby("incident_id", sort=False)["source_row"].transform("first")
        reject(dup, "duplicate_id",
               "incident_id repeats row " + first_row.astype(str).to_numpy())
    empty_id = (frame["incident_id"].fillna("") == "").to_numpy()
    if empty_id.any():
        frame.loc[empty_id, "incident_id"] = "row-" + frame.loc[empty_id, "source_row"].astype(str)
        notes.append(f"{int(empty_id.sum())} rows without an incident id got 'row-<n>'")
    reject(parsed.missing, "missing_time", f"column {cols['time']!r} is empty")
    time_text = raw[cols["time"]]
    reject(parsed.unparseable, "unparseable_time", _details(
        parsed.unparseable & ~collector.taken,
        lambda i: (f"column {cols['time']!r}: '" + time_text.iloc[i].astype("string").fillna("")
                   + "' is not " + (parsed.format_used or "a recognised date/time")
                   ).to_numpy(object)))
    has_address = (frame["address"].fillna("") != "").to_numpy()
    for mask, reason, detail in coord_problem:
        # a row with bad coordinates but a usable address is kept for the address geocoder
        reject(mask & ~has_address, reason, detail)
        points[mask & has_address] = None
    reject(~coords_present & ~has_address, "missing_location",
           "no coordinates and no address")

    keep = ~collector.taken
    incidents = gpd.GeoDataFrame(
        frame.loc[keep], geometry=points[keep], crs=point_crs
    )
    incidents["has_coordinates"] = ~shapely.is_missing(incidents.geometry.values)
    incidents = incidents.set_index("incident_id", drop=True)
    incidents.index = incidents.index.astype(str)
    return IncidentsRead(
        incidents=incidents,
        rejects=collector.table(),
        rows_read=len(frame),
        source=src,
        sha256=digest,
        columns=cols,
        encoding=encoding if geometry_source is None else None,
        delimiter=delimiter if geometry_source is None else None,
        time_format=parsed.format_used,
        notes=tuple(notes),
        privacy=minimised,
    )


def _minimise(columns: list[str], *, given: dict, keep: tuple[str, ...], src: str,
              coordinates: bool) -> tuple[list[str], dict]:
    """The columns to read (the analysis roles found, plus ``keep``) and what is left out."""
    columns = [str(c) for c in columns if str(c) != "geometry"]
    roles = {
        "id": _pick(columns, given["id"], ID_CANDIDATES, "id_column", src, required=False),
        "time": _pick(columns, given["time"], TIME_CANDIDATES, "time_column", src,
                      required=True),
        "category": _pick(columns, given["category"], CATEGORY_CANDIDATES, "category_column",
                          src, required=False),
        "address": _pick(columns, given["address"], ADDRESS_CANDIDATES, "address_column", src,
                         required=False),
        "bairro": _pick(columns, given["bairro"], BAIRRO_CANDIDATES, "bairro_column", src,
                        required=False),
    }
    if coordinates:
        for role, cands in (("lat", LAT_CANDIDATES), ("lon", LON_CANDIDATES),
                            ("x", X_CANDIDATES), ("y", Y_CANDIDATES)):
            roles[role] = _pick(columns, given[role], cands, f"{role}_column", src,
                                required=False)
    problems = []
    missing = [c for c in keep if c not in columns]
    if missing:
        problems.append(f"columns.keep names {missing}, not in the file (columns: {columns})")
    personal = [c for c in keep if is_personal_column(c)]
    if personal:
        problems.append(
            f"columns.keep names {personal}, which look like personal data (names, documents, "
            "contacts, free text…): the analysis never keeps those (LGPD data minimisation)")
    if problems:
        raise ValidationError(f"{src}: " + "; ".join(problems) + ". Fix: remove them from "
                              "[columns] keep.")
    kept = list(dict.fromkeys([c for c in roles.values() if c is not None] + list(keep)))
    dropped = [c for c in columns if c not in kept]
    return kept, {"columns_kept": kept, "columns_dropped": dropped,
                  "personal_columns_dropped": [c for c in dropped if is_personal_column(c)],
                  "roles": roles}


def _read_csv_text(path: Path, *, encoding: str | None, delimiter: str | None, select=None):
    data = path.read_bytes()
    if encoding is None:
        for enc in ("utf-8-sig", "cp1252", "latin-1"):
            try:
                text = data.decode(enc)
                encoding = enc
                break
            except UnicodeDecodeError:
                continue
    else:
        try:
            text = data.decode(encoding)
        except LookupError as exc:
            raise ValidationError(f"{path}: unknown encoding {encoding!r}; use 'utf-8' or 'latin-1'") from exc
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ValidationError(
                f"{path}: not valid {encoding} at byte {exc.start} (line {line}). The file is "
                "probably in another encoding: try encoding='latin-1' (common in Brazilian "
                "exports) or leave encoding unset to detect it."
            ) from exc
    if not text.strip():
        raise ValidationError(f"{path}: the file is empty; expected a header and incident rows")
    if delimiter is None:
        sample = text[:65536]
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            header = sample.splitlines()[0]
            delimiter = max(",;\t|", key=header.count)
    try:
        usecols = None
        if select is not None:  # read only the columns kept: the others never become a table
            header = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, nrows=0,
                                 skipinitialspace=True).columns
            kept = set(select([str(c).strip() for c in header]))
            usecols = [c for c in header if str(c).strip() in kept]
        raw = pd.read_csv(
            io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
            skipinitialspace=True, usecols=usecols,
        )
    except pd.errors.ParserError as exc:
        raise ValidationError(
            f"{path}: cannot split rows with delimiter {delimiter!r} ({exc}). Give the delimiter "
            "explicitly (delimiter=';' is common in Brazilian spreadsheets) or quote fields."
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise ValidationError(f"{path}: the file has no header or rows") from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    # a last line without its line break was cut while the file was being written
    truncated = len(raw) > 0 and not text.endswith(("\n", "\r"))
    return raw.reset_index(drop=True), encoding, delimiter, truncated


def _open_vector(path: Path, *, layer: str | None, what: str,
                 select=None) -> gpd.GeoDataFrame:
    """Read a GDAL vector file or GeoParquet; any reader failure becomes a ValidationError.
    ``select(columns)`` gives the attribute columns to read (all when None)."""
    try:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            if select is None:
                return gpd.read_parquet(path)
            import json

            import pyarrow.parquet as pq

            schema = pq.read_schema(path)
            geo = json.loads((schema.metadata or {}).get(b"geo", b"{}") or b"{}")
            geom = geo.get("primary_column", "geometry")
            kept = select([n for n in schema.names if n != geom])
            return gpd.read_parquet(path, columns=[*kept, geom])
        if select is None:
            return gpd.read_file(path, layer=layer, engine="pyogrio")
        import pyogrio

        fields = [str(f) for f in pyogrio.read_info(path, layer=layer)["fields"]]
        return gpd.read_file(path, layer=layer, engine="pyogrio", columns=select(fields))
    except Exception as exc:
        raise ValidationError(
            f"{path}: could not read it as a {what}{f' (layer {layer!r})' if layer else ''}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc


def _read_vector(path: Path, *, layer: str | None, suffix: str, select=None):
    gdf = _open_vector(path, layer=layer, what="vector layer",
                       select=select).reset_index(drop=True)
    if gdf.crs is None and gdf.geometry.notna().any():
        raise CRSError(
            f"{path}: the layer has no CRS, so its coordinates cannot be placed. Set the CRS in "
            "the file (for a Shapefile add the .prj; in QGIS 'Assign projection') and try again."
        )
    raw = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    return raw, gdf


def _norm(name: str) -> str:
    stripped = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return stripped.strip().lower().replace(" ", "_").replace("-", "_")


def _pick(raw, given, candidates, option, src, *, required):
    names = [str(c) for c in getattr(raw, "columns", raw)]
    if given is not None:
        if given not in names:
            raise ValidationError(
                f"{src}: column {given!r} ({option}) not found. Columns in the file: "
                f"{names}. Fix: pass {option}= one of these."
            )
        return given
    normed = {_norm(c): c for c in names}
    for cand in candidates:
        if cand in normed:
            return normed[cand]
    if required:
        raise ValidationError(
            f"{src}: no {option.replace('_column', '')} column found (looked for "
            f"{list(candidates)}). Columns in the file: {names}. Fix: pass "
            f"{option}='<your column>'."
        )
    return None


def _details(mask: np.ndarray, make) -> np.ndarray:
    """Reject details written only for the rows of ``mask`` (``make(rows)`` gives their texts);
    building them for every row cost more than reading the file."""
    out = np.full(len(mask), "", dtype=object)
    rows = np.flatnonzero(mask)
    if len(rows):
        out[rows] = np.asarray(make(rows), dtype=object)
    return out


def _csv_points(raw, src, lat_col, lon_col, x_col, y_col, coords_crs):
    lat_c = _pick(raw, lat_col, LAT_CANDIDATES, "lat_column", src, required=False)
    lon_c = _pick(raw, lon_col, LON_CANDIDATES, "lon_column", src, required=False)
    x_c = _pick(raw, x_col, X_CANDIDATES, "x_column", src, required=False)
    y_c = _pick(raw, y_col, Y_CANDIDATES, "y_column", src, required=False)
    use_xy = (x_col is not None or y_col is not None) or (lat_c is None and lon_c is None)
    if not use_xy and (lat_c is None) != (lon_c is None):
        raise ValidationError(
            f"{src}: found {'latitude' if lat_c else 'longitude'} column "
            f"{lat_c or lon_c!r} but not the other one. Pass lat_column= and lon_column=."
        )
    if use_xy:
        if x_c is None or y_c is None:
            if "address" in [_norm(c) for c in raw.columns] or any(
                _norm(c) in ADDRESS_CANDIDATES for c in raw.columns
            ):
                empty = np.zeros(len(raw), dtype=bool)
                return (np.full(len(raw), None, dtype=object), [], empty,
                        crs_mod.WGS84, {"lat": None, "lon": None})
            raise ValidationError(
                f"{src}: no coordinate columns found (looked for lat/lon: {list(LAT_CANDIDATES)} / "
                f"{list(LON_CANDIDATES)}, or x/y: {list(X_CANDIDATES)} / {list(Y_CANDIDATES)}) and no "
                f"address column. Columns in the file: {list(raw.columns)}. Fix: pass lat_column= "
                "and lon_column= (WGS 84 degrees) or x_column=, y_column= and coords_crs=."
            )
        if coords_crs is None:
            raise CRSError(
                f"{src}: coordinates in columns {x_c!r}/{y_c!r} but no CRS for them. Pass "
                "coords_crs= (e.g. 'EPSG:31982' for SIRGAS 2000 / UTM 22S), or name lat/lon "
                "columns if they are degrees."
            )
        point_crs = crs_mod.as_crs(coords_crs, what="coords_crs")
        xs, ys = _to_number(raw[x_c]), _to_number(raw[y_c])
        cols = {"x": x_c, "y": y_c}
    else:
        point_crs = crs_mod.WGS84
        xs, ys = _to_number(raw[lon_c]), _to_number(raw[lat_c])
        cols = {"lat": lat_c, "lon": lon_c}
    text_x = raw[cols.get("x", cols.get("lon"))].astype("string").fillna("").str.strip()
    text_y = raw[cols.get("y", cols.get("lat"))].astype("string").fillna("").str.strip()
    blank = ((text_x == "") & (text_y == "")).to_numpy()
    finite = np.isfinite(xs) & np.isfinite(ys)
    problems = []
    bad_num = ~blank & ~finite
    problems.append((bad_num, "invalid_coordinates", _details(
        bad_num, lambda i: "coordinates '" + text_x.to_numpy()[i].astype(str) + "', '"
        + text_y.to_numpy()[i].astype(str) + "' are not finite numbers")))
    if point_crs.is_geographic:
        lat_bad = finite & (np.abs(ys) > 90)
        swapped = lat_bad & (np.abs(xs) <= 90) & (np.abs(ys) <= 180)
        if swapped.sum() > 0.5 * max(finite.sum(), 1) and finite.sum() >= 3:
            raise ValidationError(
                f"{src}: {int(swapped.sum())} of {int(finite.sum())} rows have a latitude beyond "
                f"±90 in column {cols['lat']!r}, whose values look like longitudes: the latitude "
                f"and longitude columns appear swapped. Fix: pass lat_column={cols['lon']!r}, "
                f"lon_column={cols['lat']!r}."
            )
        other = finite & ~swapped & ((np.abs(ys) > 90) | (np.abs(xs) > 180))
        problems.append((swapped, "latlon_swapped", _details(
            swapped, lambda i: "latitude " + np.char.mod("%g", ys[i]) + " is beyond ±90 but "
            "longitude " + np.char.mod("%g", xs[i]) + " would be a valid latitude: swapped?")))
        problems.append((other, "invalid_coordinates", _details(
            other, lambda i: "lat " + np.char.mod("%g", ys[i]) + ", lon "
            + np.char.mod("%g", xs[i]) + " are outside ±90/±180")))
    valid = finite.copy()
    for mask, _, _ in problems[1:]:
        valid &= ~mask
    pts = np.full(len(raw), None, dtype=object)
    pts[valid] = shapely.points(xs[valid], ys[valid])
    return pts, problems, ~blank, point_crs, cols


def _vector_points(gdf: gpd.GeoDataFrame, src: str):
    geoms = gdf.geometry.values
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    types = shapely.get_type_id(geoms)
    not_point = ~missing & (types != 0)
    coords = shapely.get_coordinates(geoms[~missing & ~not_point])
    xs = np.full(len(gdf), np.nan)
    ys = np.full(len(gdf), np.nan)
    ok_idx = np.flatnonzero(~missing & ~not_point)
    if len(ok_idx):
        xs[ok_idx], ys[ok_idx] = coords[:, 0], coords[:, 1]
    nonfinite = ~missing & ~not_point & ~(np.isfinite(xs) & np.isfinite(ys))
    pts = np.array(geoms, dtype=object)
    pts[missing | not_point | nonfinite] = None
    type_names = np.asarray(gdf.geometry.geom_type.fillna("None"), dtype=str)
    problems = [
        (not_point, "invalid_geometry", "geometry is a " + type_names + ", not a Point"),
        (nonfinite, "invalid_coordinates", "point coordinates are NaN or infinite"),
    ]
    return pts, problems, ~missing, gdf.crs


def read_layer(
    path: str | Path,
    *,
    layer: str | None = None,
    what: str = "layer",
    geometry_types: tuple[str, ...] | None = None,
) -> gpd.GeoDataFrame:
    """Read a vector layer (any GDAL format or GeoParquet), checking it has a CRS and features.

    Parameters
    ----------
    path, layer : str or Path, str
        The file (.gpkg, .shp, .geojson, .parquet…) and its layer.
    what, geometry_types : str, tuple of str
        What the layer is (error messages); the geometry types allowed (None: any).

    Returns
    -------
    GeoDataFrame
        The layer in its own CRS (distances in that CRS's units).
    """
    path = Path(path)
    if not path.exists():
        raise ValidationError(f"{path}: {what} file not found")
    gdf = _open_vector(path, layer=layer, what=f"{what} layer")
    where = f"{path}" + (f" (layer {layer!r})" if layer else "")
    if len(gdf) == 0:
        raise ValidationError(f"{where}: the {what} layer is empty")
    if gdf.crs is None:
        raise CRSError(
            f"{where}: the {what} layer has no CRS. Assign one in the file (Shapefile: add the "
            ".prj; QGIS: 'Assign projection') so distances can be measured in metres."
        )
    if geometry_types is not None:
        types = gdf.geometry.geom_type
        bad = ~types.isin(geometry_types) & gdf.geometry.notna()
        if bad.any():
            first = gdf.index[bad][:5].tolist()
            raise ValidationError(
                f"{where}: the {what} layer must hold {'/'.join(geometry_types)} geometries; "
                f"{int(bad.sum())} features are {types[bad].value_counts().to_dict()} (first rows "
                f"{first}). Fix: filter the layer to {'/'.join(geometry_types)} features."
            )
    return gdf
