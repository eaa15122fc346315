"""PostgreSQL/PostGIS: read incidents and streets from a table or query, write a week's layers back."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from hotspots import privacy
from hotspots._errors import HotspotsError, MissingDependencyError, ValidationError

__all__ = [
    "connect", "frame_sha256", "materialize_inputs", "read_frame", "resolve_dsn",
    "week_table_name", "write_frames", "write_week_layers"
]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _psycopg():
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependencyError(
            "reading from or writing to PostGIS needs psycopg 3: pip install 'hotspots[postgis]'"
        ) from exc
    return psycopg


def resolve_dsn(settings) -> str:
    """The connection string: ``dsn`` of the ``[postgis]`` settings, or the variable named by
    ``dsn_env``. ``settings`` is a :class:`hotspots.config.PostgisSettings` (or a RunConfig)."""
    config = getattr(settings, "postgis", settings)
    if config.dsn_env:
        value = os.environ.get(config.dsn_env)
        if not value:
            raise ValidationError(
                f"[postgis] dsn_env = {config.dsn_env!r}, but that environment variable is not "
                "set. Fix: export it with the connection string (postgresql://user@host/db)."
            )
        return value
    if config.dsn:
        return config.dsn
    raise ValidationError("[postgis] needs dsn or dsn_env (the name of an environment variable "
                          "holding the connection string)")


def connect(dsn: str):
    """Open a psycopg connection, turning connection failures into a readable error."""
    psycopg = _psycopg()
    try:
        return psycopg.connect(dsn, connect_timeout=10)
    except psycopg.OperationalError as exc:
        host = re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", dsn)
        raise HotspotsError(f"cannot connect to PostgreSQL at {host}: {exc}".strip()) from exc


def _qualified(name: str, *, what: str):
    from psycopg import sql

    parts = name.split(".")
    if not 1 <= len(parts) <= 2 or not all(_IDENT.match(p) for p in parts):
        raise ValidationError(
            f"{what} {name!r} is not a table name; write it as table or schema.table (letters, "
            "digits, underscore), or use the *_query setting for anything else"
        )
    return sql.Identifier(*parts)


def read_frame(dsn: str, *, table: str | None = None, query: str | None = None,
               what: str = "layer") -> gpd.GeoDataFrame | pd.DataFrame:
    """Read a table or a SELECT query; a PostGIS geometry column becomes the GeoDataFrame's.

    Geometries travel as WKB (``ST_AsBinary``) and the CRS comes from their SRID. Exactly one
    of ``table`` and ``query`` is needed; the query is run as a subquery, read-only.
    """
    from psycopg import sql

    if bool(table) == bool(query):
        raise ValidationError(f"{what}: give either a table or a query, not both or neither")
    source = sql.SQL("SELECT * FROM {}").format(_qualified(table, what=what)) if table else \
        sql.SQL(query.strip().rstrip(";"))  # type: ignore[union-attr]
    with connect(dsn) as conn:
        conn.read_only = True
        with conn.cursor() as cur:
            try:
                cur.execute(sql.SQL("SELECT * FROM ({}) AS q LIMIT 0").format(source))
            except Exception as exc:
                raise ValidationError(f"{what}: PostgreSQL rejected {table or 'the query'}: "
                                      f"{str(exc).strip()}") from exc
            description = list(cur.description)
            names = [d.name for d in description]
            geom_oid = _geometry_oid(cur)
            geom_cols = [d.name for d in description if d.type_code == geom_oid]
            geom = geom_cols[0] if geom_cols else None
            fields = [sql.SQL("ST_AsBinary({g}), ST_SRID({g})").format(g=sql.Identifier(n))
                      if n == geom else sql.Identifier(n) for n in names]
            cur.execute(sql.SQL("SELECT {} FROM ({}) AS q").format(sql.SQL(", ").join(fields),
                                                                  source))
            rows = cur.fetchall()
    cols = []
    for n in names:
        cols += [n, "__srid"] if n == geom else [n]
    frame = pd.DataFrame(rows, columns=cols)
    for n in names:
        if n != geom and frame[n].map(lambda v: hasattr(v, "tzinfo") and v is not None).any():
            frame[n] = pd.to_datetime(frame[n], utc=True)
    if geom is None:
        return frame
    srids = sorted({int(s) for s in frame.pop("__srid").dropna() if int(s) > 0})
    if len(srids) > 1:
        raise ValidationError(f"{what}: geometries have mixed SRIDs {srids}; transform them to "
                              "one (ST_Transform) in a query")
    if not srids and len(frame):
        raise ValidationError(f"{what}: the geometry column {geom!r} has no SRID; set it with "
                              "ST_SetSRID so distances can be measured")
    wkb = frame.pop(geom)
    geoms = shapely.from_wkb([bytes(b) if b is not None else None for b in wkb])
    return gpd.GeoDataFrame(frame, geometry=np.asarray(geoms, dtype=object),
                            crs=pyproj.CRS.from_epsg(srids[0]) if srids else None)


def _geometry_oid(cur) -> int | None:
    cur.execute("SELECT oid FROM pg_type WHERE typname = 'geometry'")
    row = cur.fetchone()
    if row is None:
        raise ValidationError("the database has no PostGIS: run CREATE EXTENSION postgis")
    return int(row[0])


def frame_sha256(frame: pd.DataFrame) -> str:
    """SHA-256 of a frame's content (WKB for geometries), independent of where it was stored."""
    h = hashlib.sha256()
    h.update(",".join(map(str, frame.columns)).encode())
    for col in frame.columns:
        values = frame[col]
        if isinstance(values, gpd.GeoSeries):
            data = b"".join(b or b"" for b in shapely.to_wkb(values.to_numpy()))
        else:
            data = values.astype(str).str.cat(sep="\x1f").encode()
        h.update(data)
    return h.hexdigest()


def materialize_inputs(config, folder: str | Path) -> tuple[dict[str, dict], dict[str, dict]]:
    """Copy PostGIS incidents/streets into GeoParquet files in ``folder`` for the input step.

    Returns ``(paths, info)``: per input (``incidents``, ``streets``) the file to read
    (``{"path": ..., "time_format": ...}``), and the manifest entries describing the database
    sources (table or query, rows, content SHA-256) instead of the temporary files.
    """
    folder = Path(folder)
    pg = config.postgis
    dsn = resolve_dsn(pg)
    paths: dict[str, dict] = {}
    info: dict[str, dict] = {}
    for key in ("incidents", "streets"):
        table, query = getattr(pg, f"{key}_table"), getattr(pg, f"{key}_query")
        if not (table or query):
            continue
        frame = read_frame(dsn, table=table, query=query, what=f"[postgis] {key}")
        if len(frame) == 0:
            raise ValidationError(f"[postgis] {key}: {table or 'the query'} returned no rows")
        if not isinstance(frame, gpd.GeoDataFrame) and key == "streets":
            raise ValidationError(f"[postgis] streets: {table or 'the query'} has no geometry "
                                  "column")
        path = folder / f"{key}.parquet"
        entry: dict = {"path": str(path)}
        if key == "incidents":
            # timestamps travel as ISO 8601 text with their UTC offset (exact instants, no
            # ambiguity at daylight-saving changes); ingest parses them with time_format ISO8601
            stamps = [c for c in frame.columns
                      if isinstance(frame[c].dtype, pd.DatetimeTZDtype)]
            for col in stamps:
                frame[col] = frame[col].map(lambda t: t.isoformat() if pd.notna(t) else "")
            geom = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
            for col in frame.columns:  # NULL text reads as an empty field, as in a CSV export
                if col != geom and frame[col].dtype == object:
                    frame[col] = frame[col].map(lambda v: "" if v is None else v)
            time_col = config.columns.time
            if stamps and (time_col in stamps or time_col is None):
                entry["time_format"] = "ISO8601"
        if isinstance(frame, gpd.GeoDataFrame):
            frame.to_parquet(path)
        else:
            raise ValidationError(
                f"[postgis] incidents: {table or 'the query'} has no PostGIS geometry column; "
                "select one (e.g. ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom)")
        paths[key] = entry
        info[key] = {"path": f"postgis:{table or 'query'}", "table": table, "query": query,
                     "rows": len(frame), "sha256": frame_sha256(frame)}
    return paths, info


_TYPES = {"b": "boolean", "i": "bigint", "u": "bigint", "f": "double precision"}


def write_frames(dsn: str, schema: str, layers: dict[str, pd.DataFrame], *,
                 replace: bool = True) -> dict[str, int]:
    """Write each frame as ``schema.name`` in one transaction (all or nothing); rows per table.

    The index is written as a column when named; a GeoDataFrame's geometry becomes a
    ``geometry(Geometry, <srid>)`` column (EWKB); timestamps become ``timestamptz``.
    """
    from psycopg import sql

    if not _IDENT.match(schema):
        raise ValidationError(f"write_schema {schema!r} is not a valid schema name (letters, "
                              "digits, underscore)")
    written = {}
    with connect(dsn) as conn, conn.transaction():
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        for name, table in layers.items():
            if not _IDENT.match(name):
                raise ValidationError(f"layer name {name!r} is not a valid table name")
            frame = table.reset_index() if table.index.name is not None else table
            ident = sql.Identifier(schema, name)
            if replace:
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(ident))
            geom = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
            srid = frame.crs.to_epsg() if geom and frame.crs is not None else 0
            defs, columns = [], []
            for col in frame.columns:
                if col == geom:
                    kind = f"geometry(Geometry, {int(srid or 0)})"
                elif isinstance(frame[col].dtype, pd.DatetimeTZDtype):
                    kind = "timestamptz"
                else:
                    kind = _TYPES.get(frame[col].dtype.kind, "text")
                defs.append(sql.SQL("{} {}").format(sql.Identifier(str(col)), sql.SQL(kind)))
                columns.append(str(col))
            conn.execute(sql.SQL("CREATE TABLE {} ({})").format(ident, sql.SQL(", ").join(defs)))
            data = {c: frame[c] for c in frame.columns}
            if geom:
                geoms = shapely.set_srid(frame.geometry.to_numpy(), int(srid or 0))
                data[geom] = pd.Series(shapely.to_wkb(geoms, hex=True, include_srid=True),
                                       index=frame.index)
            copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
                ident, sql.SQL(", ").join(sql.Identifier(c) for c in columns))
            with conn.cursor() as cur, cur.copy(copy) as cp:
                for row in zip(*(data[c].tolist() for c in columns)):
                    cp.write_row([_cell(v) for v in row])
            written[f"{schema}.{name}"] = len(frame)
    return written


def _cell(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def week_table_name(name: str, week: str | None) -> str:
    """``segments`` + ``2026-W47`` → ``segments_2026_w47`` (one table per layer and week)."""
    return f"{name}_{week.lower().replace('-', '_')}" if week else name


def write_week_layers(layers: dict[str, pd.DataFrame], *, week: str | None, dsn: str,
                      schema: str) -> dict[str, int]:
    """Write a week's aggregate layers to ``schema`` as ``<layer>_<yyyy>_w<ww>`` tables.

    ``layers`` are the run's output layers; incident points and rejects stay out of the
    database copy, as in the liaison exports, and personal-looking columns are dropped.
    """
    out = {}
    for name, table in layers.items():
        if name in {"incidents", "rejects"} or table is None:
            continue
        if not isinstance(table, pd.DataFrame):
            continue
        # the same personal-column filter as every file export
        out[week_table_name(name, week)] = privacy.drop_personal_columns(table)
    return write_frames(dsn, schema, out)
