"""Snapping a city bigger than memory: incidents read in partitions, counts per (segment, week) reduced.

The incidents are read in partitions — Parquet row groups, CSV blocks, or pages of a PostGIS
table by key range — as a ``dask.dataframe``; each partition is snapped with the project's own
kernel (:class:`hotspots.snap.SegmentIndex` / :func:`hotspots.snap.snap_points`, the grid built
once on the client and the index broadcast once to every worker) and turned into counts per
(segment, ISO week); the counts are summed by a dask tree reduction. A worker holds one
partition's points at a time, so its memory is bounded by the partition size, not the city's.

:func:`weekly_counts_in_memory` is the single-machine path (every point at once, counted with
:func:`hotspots.aggregate.counts_by`); both return the same table, exactly, including points
that tie between segments (they go to the smallest ``segment_id``, in every partition).
"""

from __future__ import annotations

import itertools
import resource
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots._errors import MissingDependencyError, ValidationError
from hotspots.snap import SegmentIndex, snap_points

__all__ = ["WeeklyCounts", "postgis_partitions", "weekly_counts_in_memory",
           "weekly_counts_partitioned"]

#: key = segment row × WEEK_SPAN + ISO year × 100 + week
WEEK_SPAN = 1_000_000
#: statistics carried through the reduction as negative keys
_STATS = {-1: "rows_read", -2: "snapped", -3: "beyond_max_distance", -4: "without_coordinates",
          -5: "ties", -6: "without_time"}


@dataclass(frozen=True)
class WeeklyCounts:
    """Incidents per (segment, ISO week), and the accounting of every record read."""

    #: columns segment_id (int64), week ('2026-W47'), count (int64); sorted; only non-zero
    counts: pd.DataFrame
    rows_read: int
    snapped: int
    beyond_max_distance: int
    without_coordinates: int
    without_time: int
    ties: int
    partitions: int = 1
    #: peak resident memory of each worker process (bytes), when measured
    peak_rss_bytes: dict[str, int] = field(default_factory=dict)

    @property
    def accounted(self) -> bool:
        """Every record read is counted, or is far, lacks coordinates or lacks a time."""
        return self.rows_read == (self.snapped + self.beyond_max_distance
                                  + self.without_coordinates + self.without_time)


def _xy(frame: pd.DataFrame, x: str, y: str) -> tuple[np.ndarray, np.ndarray]:
    def number(col):
        v = frame[col]
        if v.dtype == object or pd.api.types.is_string_dtype(v):
            v = v.astype(str).str.strip().str.replace(",", ".", regex=False)
        return np.array(pd.to_numeric(v, errors="coerce"), dtype=float)  # a writable copy

    return number(x), number(y)


def _week_codes(times: pd.Series, *, timezone: str, time_format: str | None) -> np.ndarray:
    """ISO year × 100 + week of each time in ``timezone`` (−1 when missing or unparseable)."""
    from hotspots import timeparse

    if pd.api.types.is_datetime64_any_dtype(times):
        ts = pd.Series(times)
        ts = ts.dt.tz_localize(timezone) if ts.dt.tz is None else ts.dt.tz_convert(timezone)
    else:
        parsed = timeparse.parse_times(pd.Series(times).astype("string"),
                                       time_format=time_format, timezone=timezone,
                                       source="incidents", column=str(times.name))
        ts = pd.Series(parsed.values, index=times.index)
    iso = ts.dt.isocalendar()
    ok = ts.notna().to_numpy()
    out = np.full(len(ts), -1, dtype=np.int64)
    out[ok] = (iso["year"].to_numpy()[ok].astype(np.int64) * 100
               + iso["week"].to_numpy()[ok].astype(np.int64))
    return out


def _partition_keys(frame: pd.DataFrame, index: SegmentIndex, *, x: str, y: str, time: str,
                    crs: str | None, max_distance_m: float, timezone: str,
                    time_format: str | None) -> pd.DataFrame:
    """Snap one partition; (key, count) of its (segment, week) cells plus the accounting."""
    import shapely

    transform = _transform(crs, index.segments.crs) if crs is not None else None
    px, py = _xy(frame, x, y)
    has_xy = np.isfinite(px) & np.isfinite(py)
    if transform is not None and has_xy.any():
        px[has_xy], py[has_xy] = transform.transform(px[has_xy], py[has_xy])
    week = _week_codes(frame[time], timezone=timezone, time_format=time_format)
    has_time = week >= 0
    points = np.full(len(frame), None, dtype=object)
    use = has_xy & has_time
    points[use] = shapely.points(px[use], py[use])
    snapped = snap_points(points, index, max_distance_m=max_distance_m)
    found = snapped.segment_index >= 0
    keys = snapped.segment_index[found] * WEEK_SPAN + week[found]
    uniq, counts = np.unique(keys, return_counts=True)
    stats = {-1: len(frame), -2: int(found.sum()), -3: int((use & ~found).sum()),
             -4: int((~has_xy).sum()), -5: int((snapped.ties[found] > 1).sum()),
             -6: int((has_xy & ~has_time).sum())}
    return pd.DataFrame({
        "key": np.concatenate([np.array(list(stats), dtype=np.int64), uniq.astype(np.int64)]),
        "count": np.concatenate([np.array(list(stats.values()), dtype=np.int64),
                                 counts.astype(np.int64)]),
    })


def _result(summed: pd.Series, index: SegmentIndex, *, partitions: int,
            rss: dict[str, int] | None = None) -> WeeklyCounts:
    summed = summed.sort_index()  # = by segment_id, then week (ids and labels sort alike)
    stats = {name: int(summed.get(k, 0)) for k, name in _STATS.items()}
    cells = summed[summed.index >= 0]
    keys = cells.index.to_numpy(dtype=np.int64)
    weeks, which = np.unique(keys % WEEK_SPAN, return_inverse=True)
    labels = np.array([f"{w // 100}-W{w % 100:02d}" for w in weeks], dtype=object)
    counts = pd.DataFrame({"segment_id": index.ids[keys // WEEK_SPAN],
                           "week": labels[which], "count": cells.to_numpy(dtype=np.int64)})
    return WeeklyCounts(counts=counts, partitions=partitions, peak_rss_bytes=rss or {}, **stats)


def _index(segments: gpd.GeoDataFrame | SegmentIndex, max_distance_m: float) -> SegmentIndex:
    index = segments if isinstance(segments, SegmentIndex) else \
        SegmentIndex(segments[[segments.geometry.name]].copy())
    index.pieces()
    index.grid(max_distance_m)  # built once, shipped with the index
    return index


def _transform(crs, target):
    import pyproj

    if crs is None:
        return None
    src, dst = pyproj.CRS.from_user_input(crs), pyproj.CRS.from_user_input(target)
    return None if src == dst else pyproj.Transformer.from_crs(src, dst, always_xy=True)


def weekly_counts_in_memory(frame: pd.DataFrame, segments: gpd.GeoDataFrame, *, x: str, y: str,
                            time: str, crs=None, timezone: str = "America/Sao_Paulo",
                            max_distance_m: float = 50.0, time_format: str | None = None
                            ) -> WeeklyCounts:
    """The single-machine path: every incident snapped at once, counted per (segment, week)
    with :func:`hotspots.aggregate.counts_by` (the weekly run's own count).

    Parameters
    ----------
    frame : DataFrame
        Incidents with coordinate columns ``x``/``y`` (in ``crs``; default the segments' CRS)
        and a time column ``time`` (timestamps, or text read with ``time_format``).
    segments : GeoDataFrame
        Segments indexed by ``segment_id`` in a metric CRS.
    max_distance_m : float
        Incidents farther than this (metres) from every segment are not counted.

    Returns
    -------
    WeeklyCounts
    """
    import shapely

    from hotspots import aggregate

    index = _index(segments, max_distance_m)
    px, py = _xy(frame, x, y)
    has_xy = np.isfinite(px) & np.isfinite(py)
    tr = _transform(crs, segments.crs)
    if tr is not None and has_xy.any():
        px[has_xy], py[has_xy] = tr.transform(px[has_xy], py[has_xy])
    week = _week_codes(frame[time], timezone=timezone, time_format=time_format)
    use = has_xy & (week >= 0)
    points = np.full(len(frame), None, dtype=object)
    points[use] = shapely.points(px[use], py[use])
    snapped = snap_points(points, index, max_distance_m=max_distance_m)
    found = snapped.segment_index >= 0
    if time_format is not None or not pd.api.types.is_datetime64_any_dtype(frame[time]):
        from hotspots import timeparse

        times = timeparse.parse_times(frame[time].astype("string"), time_format=time_format,
                                      timezone=timezone, source="incidents", column=time).values
        times = pd.Series(times, index=frame.index)
    else:
        times = frame[time]
        times = times.dt.tz_localize(timezone) if times.dt.tz is None else \
            times.dt.tz_convert(timezone)
    geocoded = pd.DataFrame({"segment_id": snapped.segment_id[found],
                             "occurred_at": times.to_numpy()[found]})
    long = aggregate.counts_by(geocoded, segments, by="week")
    counts = long[["segment_id", "week", "count"]].astype({"segment_id": np.int64,
                                                          "count": np.int64})
    counts = counts.sort_values(["segment_id", "week"], kind="stable").reset_index(drop=True)
    return WeeklyCounts(
        counts=counts, rows_read=len(frame), snapped=int(found.sum()),
        beyond_max_distance=int((use & ~found).sum()), without_coordinates=int((~has_xy).sum()),
        without_time=int((has_xy & (week < 0)).sum()),
        ties=int((snapped.ties[found] > 1).sum()), partitions=1)


def weekly_counts_partitioned(source, segments: gpd.GeoDataFrame | SegmentIndex, *, x: str,
                              y: str, time: str, crs=None, segments_crs=None,
                              timezone: str = "America/Sao_Paulo", max_distance_m: float = 50.0,
                              time_format: str | None = None,
                              partition_rows: int = 1_000_000, client=None,
                              measure_memory: bool = False) -> WeeklyCounts:
    """Counts per (segment, ISO week) of incidents read and snapped in partitions on dask.

    Parameters
    ----------
    source : path, dask DataFrame, or PostGIS partitions
        A Parquet file or folder (one partition per row group), a CSV file (blocks of about
        ``partition_rows`` rows), a ``dask.dataframe.DataFrame``, or the result of
        :func:`postgis_partitions` (pages of a table).
    segments : GeoDataFrame or SegmentIndex
        Segments indexed by ``segment_id`` (metric CRS); broadcast once to every worker.
    x, y, time : str
        Coordinate columns (in ``crs``, default the segments' CRS) and time column.
    timezone : str
        Local time zone of the ISO weeks.
    max_distance_m : float
        Incidents farther than this from every segment are not counted (metres).
    time_format : str, optional
        strftime format of a text time column (detected when None).
    partition_rows : int
        Rows per CSV partition (estimated from the file's bytes per row).
    client : distributed.Client, optional
        The cluster (default: the current client, or dask's local scheduler).
    measure_memory : bool
        Record each worker process's peak resident memory (``ru_maxrss``) after the run.

    Returns
    -------
    WeeklyCounts
        Equal to :func:`weekly_counts_in_memory` on the same incidents.
    """
    try:
        import dask
        import dask.dataframe as dd
    except ImportError as exc:
        raise MissingDependencyError("partitioned snapping needs dask: pip install "
                                     "'hotspots[dask]'") from exc
    if partition_rows < 1:
        raise ValidationError(f"partition_rows={partition_rows!r}: must be ≥ 1")
    index = _index(segments, max_distance_m)
    seg_crs = segments_crs or getattr(index.segments, "crs", None)
    ddf = _frame(source, columns=[x, y, time], partition_rows=partition_rows, dd=dd)
    if crs is not None and seg_crs is None:
        raise ValidationError("segments have no CRS: cannot bring the incidents' coordinates "
                              f"({crs}) to them")
    crs_text = None if crs is None else str(crs)
    if client is None:
        try:
            from distributed import default_client

            client = default_client()
        except (ImportError, ValueError):
            client = None
    shared = (dask.delayed(client.scatter(index, broadcast=True)) if client is not None
              else dask.delayed(index))
    parts = ddf.map_partitions(
        _partition_keys, shared, x=x, y=y, time=time, crs=crs_text,
        max_distance_m=float(max_distance_m), timezone=timezone, time_format=time_format,
        meta={"key": "int64", "count": "int64"})
    summed = parts.groupby("key")["count"].sum(split_every=8)
    result = summed.compute() if client is None else client.compute(summed).result()
    rss = None
    if measure_memory and client is not None:
        rss = {str(k): int(v) * 1024 for k, v in client.run(_peak_rss).items()}
    elif measure_memory:
        rss = {"local": _peak_rss() * 1024}
    return _result(result, index, partitions=ddf.npartitions, rss=rss)


def _peak_rss() -> int:
    """Peak resident memory of this process in KiB.

    Linux's ``VmHWM`` (the high-water mark of this process's own memory); ``ru_maxrss`` is
    not used where VmHWM exists because it starts from the parent's size at fork and survives
    exec (a spawned worker would report its parent's memory).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:  # pragma: no cover - not Linux
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _frame(source, *, columns: list[str], partition_rows: int, dd):
    """A dask DataFrame of the incident columns, partitioned."""
    if isinstance(source, dd.DataFrame):
        return source[columns]
    if isinstance(source, PostgisPartitions):
        return dd.from_map(_read_page, source.pages, source=source,
                           meta=pd.DataFrame({c: pd.Series(dtype=t) for c, t in
                                              zip(source.columns, source.dtypes)}),
                           enforce_metadata=False)
    path = Path(source)
    if not path.exists():
        raise ValidationError(f"{path}: incidents file not found")
    suffix = path.suffix.lower()
    if path.is_dir() or suffix in (".parquet", ".pq", ".geoparquet"):
        return dd.read_parquet(str(path), columns=columns, split_row_groups=True)
    if suffix in (".csv", ".txt"):
        with path.open("rb") as fh:
            head = fh.read(1 << 20)
        lines = max(1, head.count(b"\n"))
        per_row = max(1, len(head) // lines)
        return dd.read_csv(str(path), usecols=columns, dtype=str, keep_default_na=False,
                           blocksize=max(1 << 16, per_row * partition_rows))
    raise ValidationError(f"{path}: partitioned reading takes Parquet or CSV files "
                          "(or a PostGIS table through postgis_partitions)")


# --- PostGIS pages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PostgisPartitions:
    """Pages of a PostGIS table by ranges of an integer key (each page read by one task)."""

    dsn: str
    table: str
    key: str
    geometry: str
    srid: int
    time: str
    pages: tuple[tuple[int, int], ...]
    columns: tuple[str, ...] = ("x", "y", "occurred_at")
    dtypes: tuple[str, ...] = ("float64", "float64", "object")


def postgis_partitions(dsn: str, table: str, *, key: str, geometry: str = "geom",
                       time: str = "occurred_at", srid: int, page_rows: int = 1_000_000
                       ) -> PostgisPartitions:
    """Split ``table`` into pages of about ``page_rows`` rows by ranges of the integer column
    ``key`` (keyset pages: each page is one indexed range query, no OFFSET); coordinates come
    back as ``x``/``y`` in ``srid`` and the time as ``occurred_at``."""
    from hotspots import postgis

    postgis._qualified(table, what="table")
    with postgis.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(f"SELECT min({_ident(key)}), max({_ident(key)}), count(*) FROM "
                    f"{_table(table)}")
        lo, hi, n = cur.fetchone()
    if not n:
        raise ValidationError(f"{table}: no rows")
    pages_n = max(1, int(np.ceil(n / page_rows)))
    edges = np.linspace(int(lo), int(hi) + 1, pages_n + 1).round().astype(np.int64)
    pages = tuple((int(a), int(b)) for a, b in itertools.pairwise(edges) if b > a)
    return PostgisPartitions(dsn=dsn, table=table, key=key, geometry=geometry, srid=int(srid),
                             time=time, pages=pages)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table(name: str) -> str:
    return ".".join(_ident(p) for p in name.split("."))


def _read_page(page: tuple[int, int], *, source: PostgisPartitions) -> pd.DataFrame:
    from hotspots import postgis

    g = f"ST_Transform({_ident(source.geometry)}, {source.srid})"
    sql = (f"SELECT ST_X({g}), ST_Y({g}), {_ident(source.time)} FROM {_table(source.table)} "
           f"WHERE {_ident(source.key)} >= %s AND {_ident(source.key)} < %s "
           f"ORDER BY {_ident(source.key)}")
    with postgis.connect(source.dsn) as conn, conn.cursor() as cur:
        cur.execute(sql, page)
        rows = cur.fetchall()
    frame = pd.DataFrame(rows, columns=list(source.columns))
    frame["x"] = frame["x"].astype("float64")
    frame["y"] = frame["y"].astype("float64")
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    return frame
