"""Near-repeat analysis: the Knox banded table of incident pairs close in space and time.

After an incident, is the next one nearby more likely for a while? For every unordered pair of
incidents the distance and the time between them fall in a spatial band and a temporal band; the
observed pair counts are compared with those obtained by permuting the dates over the fixed
locations (Monte Carlo; Johnson et al. 2007, as Ratcliffe's Near Repeat Calculator, NRC 1.3, and
Steenbeek's R package NearRepeat do).

Bands (k = ``spatial_bands``, b = ``bandwidth_m``, m = ``temporal_bands``, T = ``bandwidth_days``)
    Spatial: "same location" (distance exactly 0), k finite bands with upper edges b, 2b, … kb,
    then "more than" kb. Temporal: m finite bands with upper edges T, 2T, … mT, then "more than".
    ``closed="left"`` (default, R ``cut(right=FALSE)``, NearRepeat's default): a band holds
    [lower, upper): band 1 is (0, b), band i [(i−1)b, ib), "more than" [kb, ∞); time bands
    [0, T), [T, 2T), … [mT, ∞). ``closed="right"``: (0, b], ((i−1)b, ib], (kb, ∞) and [0, T],
    (T, 2T], … (mT, ∞) (pointpats' ``Knox`` thresholds are closed: d ≤ δ, Δt ≤ τ).
    Time differences are whole days between the local calendar dates of ``occurred_at``
    (``time_unit="calendar_days"``, as the NRC, which reads dates only) or the exact time
    between the two timestamps in days (``"elapsed_days"``, to the second).

NRC-compatible mode (``nrc_compatible=True``)
    The NRC labels its bands "Same location", "1 to 100", "101 to 200", … "More than 300" and
    "0 to 7", "8 to 14", … "More than 21" days, but a band labelled "a to b" holds [a − 1, b)
    (Davies and Steenbeek, NearRepeat vignette "NRC", and tobydavies/NearRepeat, notebook
    "Inconsistency with Near Repeat Calculator": a pair 3 days apart is counted in "4 to 6"; a
    pair 100 m apart in "101 to 200"). So the NRC's cells are exactly the left-closed bands
    above, with "same location" = distance 0. Reading the NRC's own output files shipped with
    those projects we found one more detail: the NRC holds coordinates in single precision
    (float32), which moves a few pairs that lie within a rounding error of an edge. This mode
    uses the left-closed bands, calendar days, float32 planar distances and the NRC's labels;
    with it the published NRC 1.3 observed tables of both projects are reproduced cell for cell
    (tests/test_near_repeat.py).

Distances
    ``euclidean`` and ``manhattan`` (|dx| + |dy|) between the incident points (geometry, metric
    CRS); ``network``: the shortest path along the street segments from each incident's
    ``segment_id`` and ``position_m`` (metres from the segment's first vertex), through the
    segments' end nodes, or straight along a shared segment (|Δposition|) when that is shorter.

Scale: only the pairs within kb are enumerated (k-d tree or cut-off Dijkstra); each permutation
recounts their time bands in numba; the "more than" cells come from invariant totals.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import crs as crs_mod
from hotspots._errors import CRSError, ValidationError, problems_message
from hotspots._settings import build_section, setting
from hotspots.stats import _knox, _pairs
from hotspots.stats import near_repeat_text as txt
from hotspots.weights import _check_segments

__all__ = [
    "CLOSED",
    "DISTANCES",
    "TIME_UNITS",
    "KnoxTable",
    "NearRepeatResult",
    "NearRepeatSettings",
    "NearRepeatZone",
    "knox_matrix",
    "near_repeat",
]

DISTANCES = ("euclidean", "manhattan", "network")
CLOSED = ("left", "right")
TIME_UNITS = ("calendar_days", "elapsed_days")
_SECONDS_PER_DAY = 86_400
_POSITION_TOL_M = 1e-3  # positions this far beyond a segment's ends are clipped onto it


@dataclass(frozen=True)
class NearRepeatSettings:
    """Settings of the near-repeat (Knox) analysis."""

    distance: str = setting(
        "euclidean", "distance between two incidents: straight line, Manhattan (|dx|+|dy|) or "
        "along the streets", choices=DISTANCES)
    bandwidth_m: float = setting(100.0, "width of each spatial band", unit="m", gt=0)
    spatial_bands: int = setting(
        3, "number of spatial bands after 'same location' (the last finite edge is "
        "bandwidth_m × spatial_bands)", ge=1, le=100)
    bandwidth_days: int = setting(7, "width of each temporal band", unit="days", ge=1)
    temporal_bands: int = setting(3, "number of temporal bands before 'more than'", ge=1, le=100)
    permutations: int = setting(
        999, "Monte Carlo permutations of the dates over the fixed locations", ge=99)
    seed: int = setting(20030, "seed of the permutations (recorded in the outputs)", ge=0)
    alpha: float = setting(0.05, "significance level of a cell (one-sided pseudo p-value)",
                           gt=0, lt=1)
    closed: str = setting(
        "left", "which end a band includes: left = [lower, upper) as R NearRepeat and the NRC "
        "compute, right = (lower, upper]", choices=CLOSED)
    time_unit: str = setting(
        "calendar_days", "time between incidents: whole days between local dates (as the NRC) "
        "or the exact elapsed time", choices=TIME_UNITS)
    nrc_compatible: bool = setting(
        False, "reproduce Ratcliffe's Near Repeat Calculator 1.3: its band labels, its [a−1, b) "
        "intervals and its single-precision coordinates (planar distances, calendar days)")
    per_category: bool = setting(False, "also one table per incident category")


@dataclass(frozen=True)
class NearRepeatZone:
    """The significant near-repeat zone read off a table.

    ``bands`` are the spatial bands 1, 2, … (contiguous from the source) whose first time band is
    significant; ``band_days[i]`` is the upper edge (days) of the run of significant time bands
    from the first one in ``bands[i]``, ``band_edges_m[i]`` its upper distance edge. The zone
    reaches ``distance_m`` (upper edge of its last band) and at most ``days``. ``repeat_days``:
    the same for the "same location" band (0 when not significant). ``knox_ratio`` is pooled over the
    zone's ``cells`` (spatial, temporal band), Σ observed / Σ expected; ``peak`` the zone cell
    with the largest ratio.
    """

    bands: tuple[int, ...]
    band_edges_m: tuple[float, ...]
    band_days: tuple[float, ...]
    repeat_days: float
    distance_m: float
    days: float
    observed: int
    expected: float
    knox_ratio: float
    peak: tuple[int, int, float] | None
    repeat_ratio: float
    cells: tuple[tuple[int, int], ...] = ()

    @property
    def found(self) -> bool:
        """Whether any near-repeat band is significant."""
        return bool(self.bands)

    def reach(self) -> list[tuple[float, float]]:
        """(upper distance edge m, days) of every significant band, same location (0 m) first."""
        out = [(0.0, self.repeat_days)] if self.repeat_days > 0 else []
        return out + list(zip(self.band_edges_m, self.band_days))


@dataclass(frozen=True, eq=False)
class KnoxTable:
    """One Knox banded table: a long frame (one row per cell) and the same values as matrices.

    Matrices are (k + 2 spatial, m + 1 temporal): same location, k bands, more than; m bands,
    more than. ``labels[lang]`` = (spatial labels, temporal labels); ``summary[lang]`` the
    plain-language paragraph; ``simulated`` the permuted tables when kept.
    """

    table: pd.DataFrame
    observed: np.ndarray
    expected_mean: np.ndarray
    expected_median: np.ndarray
    knox_ratio: np.ndarray
    knox_ratio_median: np.ndarray
    p_value: np.ndarray
    significant: np.ndarray
    zone: NearRepeatZone
    labels: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]
    summary: dict[str, str]
    n_incidents: int
    n_pairs: int
    n_close_pairs: int
    category: str | None
    seed: int | tuple[int, int]
    alpha: float
    permutations: int
    simulated: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class NearRepeatResult:
    """Overall table, optional per-category tables, and the parameters they were computed with."""

    overall: KnoxTable
    by_category: dict[str, KnoxTable]
    settings: NearRepeatSettings
    spatial_edges_m: tuple[float, ...]
    temporal_edges_days: tuple[float, ...]
    parameters: dict = field(default_factory=dict)

    @property
    def table(self) -> pd.DataFrame:
        """The overall long table."""
        return self.overall.table

    @property
    def zone(self) -> NearRepeatZone:
        """The overall significant zone."""
        return self.overall.zone

    @property
    def summary(self) -> dict[str, str]:
        """The overall plain-language paragraph per language."""
        return self.overall.summary


def near_repeat(
    incidents: pd.DataFrame,
    *,
    segments: gpd.GeoDataFrame | None = None,
    settings: NearRepeatSettings | None = None,
    keep_simulations: bool = False,
) -> NearRepeatResult:
    """Knox banded table of the incidents (and per category), with the Monte Carlo null.

    Parameters
    ----------
    incidents : DataFrame
        Indexed by ``incident_id``; ``occurred_at`` (timezone-aware timestamps); ``category``
        when ``per_category``; point geometry in a metric CRS for ``euclidean``/``manhattan``;
        ``segment_id`` and ``position_m`` (metres from the segment's first vertex) for
        ``network``, as :func:`hotspots.geocode.geocode_incidents` writes them.
    segments : GeoDataFrame, optional
        The street segments (index ``segment_id``, ``length_m``); required for ``network``.
    settings : NearRepeatSettings
        Bands, distance, permutations, seed, significance (module docstring: band conventions).
    keep_simulations : bool
        Keep the permuted tables (R, k + 2, m + 1) in ``KnoxTable.simulated``.

    Returns
    -------
    NearRepeatResult
        ``overall`` (and ``by_category``) tables: long frame with ``spatial_band``,
        ``temporal_band``, labels (en, pt), ``distance_from_m``/``distance_to_m``,
        ``days_from``/``days_to``, ``observed``, ``expected_mean``, ``expected_median``,
        ``knox_ratio`` (observed / mean), ``knox_ratio_median``, ``p_value``
        ((#{sim ≥ obs} + 1) / (R + 1)), ``significant`` (p ≤ α and ratio > 1), ``in_zone``.
        The overall permutations use ``seed``; category c (sorted, position i) uses
        ``numpy.random.default_rng([seed, i + 1])``. Incidents are put in ``incident_id`` order
        first, so the result does not depend on row order.
    """
    settings = NearRepeatSettings() if settings is None else settings
    check_settings(settings)
    prep = _prepare(incidents, segments, settings)
    s_edges = settings.bandwidth_m * np.arange(1, settings.spatial_bands + 1, dtype=float)
    t_edges_days = settings.bandwidth_days * np.arange(1, settings.temporal_bands + 1)
    closed = "left" if settings.nrc_compatible else settings.closed
    scale = _SECONDS_PER_DAY if settings.time_unit == "elapsed_days" else 1
    t_edges = (t_edges_days * scale).astype(np.int64)
    pairs = _close_pairs(prep, settings, float(s_edges[-1]))
    sband = _knox.spatial_bands(pairs.distance_m, s_edges, closed=closed)
    finite = sband <= settings.spatial_bands
    pairs, sband = pairs.subset(finite), sband[finite]
    common = dict(s_edges=s_edges, t_edges=t_edges, t_edges_days=t_edges_days.astype(float),
                  closed=closed, settings=settings, keep=keep_simulations)
    overall = _table(pairs, sband, prep["t"], seed=settings.seed, category=None, **common)
    by_category: dict[str, KnoxTable] = {}
    if settings.per_category:
        cats = prep["category"]
        for i, cat in enumerate(sorted(pd.unique(cats))):
            members = np.flatnonzero(cats == cat)
            new_pos = np.full(len(cats), -1, dtype=np.int64)
            new_pos[members] = np.arange(len(members))
            keep = (cats[pairs.first] == cat) & (cats[pairs.second] == cat)
            sub = pairs.subset(keep, new_pos)
            by_category[str(cat)] = _table(sub, sband[keep], prep["t"][members],
                                           seed=(settings.seed, i + 1), category=str(cat),
                                           **common)
    return NearRepeatResult(
        overall=overall, by_category=by_category, settings=settings,
        spatial_edges_m=tuple(float(e) for e in s_edges),
        temporal_edges_days=tuple(float(e) for e in t_edges_days),
        parameters={"distance": settings.distance, "closed": closed,
                    "time_unit": settings.time_unit, "nrc_compatible": settings.nrc_compatible,
                    "permutations": settings.permutations, "seed": settings.seed,
                    "alpha": settings.alpha, "n_incidents": len(prep["t"])},
    )


def check_settings(settings: NearRepeatSettings) -> None:
    """Raise one ValidationError listing every problem of the settings (ranges and combinations)."""
    if not isinstance(settings, NearRepeatSettings):
        raise ValidationError(
            f"near_repeat: settings must be a NearRepeatSettings, got {type(settings).__name__}")
    _, problems = build_section(NearRepeatSettings, dataclasses.asdict(settings),
                                section="near_repeat")
    if settings.nrc_compatible:
        if settings.distance == "network":
            problems.append("near_repeat.nrc_compatible: the NRC measures euclidean or manhattan "
                            "distances only; set distance to one of those or turn the mode off")
        if settings.time_unit != "calendar_days":
            problems.append("near_repeat.nrc_compatible: the NRC reads dates only; set "
                            "time_unit = \"calendar_days\" or turn the mode off")
        if settings.closed != "left":
            problems.append("near_repeat.nrc_compatible: the NRC's bands are [a−1, b) "
                            "(closed = \"left\"); remove closed = \"right\" or turn the mode off")
    if isinstance(settings.permutations, int) and isinstance(settings.alpha, float | int) \
            and 0 < settings.alpha < 1 / (settings.permutations + 1):
        problems.append(f"near_repeat.alpha: {settings.alpha:g} is below the smallest possible "
                        f"p-value 1/(permutations + 1) = {1 / (settings.permutations + 1):.4g}; "
                        "raise permutations or alpha")
    if problems:
        raise ValidationError(problems_message("near_repeat: invalid settings", problems))


# --- inputs -----------------------------------------------------------------------------------


def _prepare(incidents, segments, settings: NearRepeatSettings) -> dict:
    """Validated arrays in incident_id order: times, categories, coordinates or network positions."""
    what = "near_repeat"
    if not isinstance(incidents, pd.DataFrame):
        raise ValidationError(f"{what}: expected the incidents DataFrame, got "
                              f"{type(incidents).__name__}")
    problems: list[str] = []
    if len(incidents) < 2:
        problems.append(f"need at least 2 incidents to form a pair, got {len(incidents)}")
    if incidents.index.has_duplicates:
        dup = incidents.index[incidents.index.duplicated()][:3].tolist()
        problems.append(f"the index (incident_id) has duplicates, e.g. {dup}; ids must be unique")
    try:
        order = np.argsort(incidents.index.to_numpy(), kind="stable")
    except TypeError:  # ids of mixed types: keep the given order
        order = np.arange(len(incidents))
    frame = incidents.iloc[order]
    out: dict = {"index": frame.index}
    out["t"] = _times(frame, settings, problems)
    if settings.per_category:
        if "category" not in frame.columns:
            problems.append("per_category needs a 'category' column")
        else:
            cat = frame["category"]
            if cat.isna().any():
                problems.append(f"'category' is empty for {int(cat.isna().sum())} incidents "
                                f"(e.g. {_ids(frame.index[cat.isna().to_numpy()])}); fill it")
            out["category"] = cat.astype(str).to_numpy()
    if settings.distance == "network":
        _network_inputs(frame, segments, out, problems)
    else:
        _planar_inputs(frame, out, problems)
    if problems:
        raise ValidationError(problems_message(
            f"{what}: the incidents cannot be analysed", problems,
            fix="pass the geocoded incidents (hotspots.geocode.geocode_incidents) and, for "
                "network distances, the segments they were snapped to"))
    return out


def _times(frame: pd.DataFrame, settings: NearRepeatSettings, problems: list[str]) -> np.ndarray:
    if "occurred_at" not in frame.columns:
        problems.append("no 'occurred_at' column (timezone-aware timestamps)")
        return np.zeros(len(frame), dtype=np.int64)
    when = frame["occurred_at"]
    if not isinstance(when.dtype, pd.DatetimeTZDtype):
        problems.append(f"'occurred_at' must hold timezone-aware timestamps (as read_incidents "
                        f"writes them), got dtype {when.dtype}")
        return np.zeros(len(frame), dtype=np.int64)
    missing = when.isna().to_numpy()
    if missing.any():
        problems.append(f"'occurred_at' is missing for {int(missing.sum())} incidents (e.g. "
                        f"{_ids(frame.index[missing])}); reject them before the analysis")
        return np.zeros(len(frame), dtype=np.int64)
    if settings.time_unit == "calendar_days":
        local = when.dt.tz_localize(None).to_numpy().astype("datetime64[D]")
        return local.astype(np.int64)
    return when.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype(
        "datetime64[s]").astype(np.int64)


def _planar_inputs(frame, out: dict, problems: list[str]) -> None:
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame.columns:
        problems.append("euclidean/manhattan distances need a GeoDataFrame with the incident "
                        "points (or set distance = \"network\")")
        return
    if frame.crs is None:
        problems.append("the incidents have no CRS; give them the analysis CRS (metres)")
    else:
        try:
            crs_mod.require_metric(frame.crs, what="incidents CRS")
        except CRSError as exc:
            problems.append(str(exc))
    geoms = frame.geometry.to_numpy()
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    bad |= ~bad & (shapely.get_type_id(geoms) != 0)
    if bad.any():
        problems.append(f"{int(bad.sum())} incidents have no point geometry (e.g. "
                        f"{_ids(frame.index[bad])}); every incident needs one point")
        return
    xy = shapely.get_coordinates(geoms)
    nonfinite = ~np.isfinite(xy).all(axis=1)
    if nonfinite.any():
        problems.append(f"{int(nonfinite.sum())} incidents have non-finite coordinates (e.g. "
                        f"{_ids(frame.index[nonfinite])})")
    out["xy"] = xy


def _network_inputs(frame, segments, out: dict, problems: list[str]) -> None:
    if segments is None:
        problems.append("network distances need the segments (segments=...)")
        return
    try:
        _check_segments(segments, "near_repeat", min_segments=1)
    except (ValidationError, CRSError) as exc:
        problems.append(str(exc))
        return
    for col in ("segment_id", "position_m"):
        if col not in frame.columns:
            problems.append(f"network distances need a '{col}' column (from geocoding)")
    if problems:
        return
    seg_pos = segments.index.get_indexer(frame["segment_id"].to_numpy())
    unknown = seg_pos < 0
    if unknown.any():
        problems.append(f"{int(unknown.sum())} incidents are on segment ids absent from the "
                        f"segments (e.g. incidents {_ids(frame.index[unknown])}); use the same "
                        "segments as the geocoding")
        return
    pos = pd.to_numeric(frame["position_m"], errors="coerce").to_numpy(dtype=float)
    length = segments["length_m"].to_numpy(dtype=float)[seg_pos]
    bad = ~np.isfinite(pos) | (pos < -_POSITION_TOL_M) | (pos > length + _POSITION_TOL_M)
    if bad.any():
        problems.append(f"{int(bad.sum())} incidents have a position_m outside [0, length_m] of "
                        f"their segment (e.g. {_ids(frame.index[bad])})")
        return
    out["segment_position"] = seg_pos
    out["position_m"] = np.clip(pos, 0.0, length)
    out["graph"] = _pairs.street_graph(segments)


def _ids(index) -> list:
    return list(index[:5])


def _close_pairs(prep: dict, settings: NearRepeatSettings, max_m: float) -> _pairs.ClosePairs:
    if settings.distance == "network":
        return _pairs.network_pairs(prep["graph"], prep["segment_position"], prep["position_m"],
                                    max_distance_m=max_m)
    return _pairs.planar_pairs(prep["xy"], max_distance_m=max_m, metric=settings.distance,
                               single_precision=settings.nrc_compatible)


# --- one table --------------------------------------------------------------------------------


def _table(pairs, sband, t, *, seed, category, s_edges, t_edges, t_edges_days, closed, settings,
           keep) -> KnoxTable:
    k = len(s_edges)
    n = len(t)
    seq = seed if isinstance(seed, int) else list(seed)
    observed, sims = _knox.knox_counts(pairs.first, pairs.second, sband, t, t_edges,
                                       closed=closed, n_spatial=k + 1,
                                       permutations=settings.permutations, seed=seq)
    stats = _knox.summarise(observed, sims)
    significant = (stats["p_value"] <= settings.alpha) & (stats["knox_ratio"] > 1)
    zone = _zone(observed, stats, significant, s_edges, t_edges_days)
    labels = {lang: (tuple(txt.spatial_labels(s_edges, closed=closed,
                                              nrc=settings.nrc_compatible, language=lang)),
                     tuple(txt.temporal_labels(t_edges_days, closed=closed,
                                               unit=settings.time_unit,
                                               nrc=settings.nrc_compatible, language=lang)))
              for lang in txt.LANGUAGES}
    in_zone = np.zeros_like(significant)
    for cell in zone.cells:
        in_zone[cell] = True
    long = _long_table(observed, stats, significant, in_zone, labels, s_edges, t_edges_days)
    summary = {lang: _summary(zone, labels[lang], s_edges, t_edges_days, closed, settings, lang)
               for lang in txt.LANGUAGES}
    return KnoxTable(
        table=long, observed=observed, expected_mean=stats["expected_mean"],
        expected_median=stats["expected_median"], knox_ratio=stats["knox_ratio"],
        knox_ratio_median=stats["knox_ratio_median"], p_value=stats["p_value"],
        significant=significant, zone=zone, labels=labels, summary=summary, n_incidents=n,
        n_pairs=n * (n - 1) // 2, n_close_pairs=len(pairs), category=category,
        seed=seed, alpha=settings.alpha, permutations=settings.permutations,
        simulated=sims if keep else None)


def _zone(observed, stats, significant, s_edges, t_edges_days) -> NearRepeatZone:
    k, m = len(s_edges), len(t_edges_days)
    finite = significant[: k + 1, :m]
    run = np.where(finite.all(axis=1), m, np.argmin(finite, axis=1))  # leading significant bands
    bands = []
    for s in range(1, k + 1):
        if run[s] == 0:
            break
        bands.append(s)
    band_days = tuple(float(t_edges_days[run[s] - 1]) for s in bands)
    cells = [(s, j) for s in bands for j in range(run[s])]
    obs = int(sum(observed[s, j] for s, j in cells))
    exp = float(sum(stats["expected_mean"][s, j] for s, j in cells))
    peak = None
    if cells:
        s, j = max(cells, key=lambda c: stats["knox_ratio"][c])
        peak = (s, j, float(stats["knox_ratio"][s, j]))
    repeat_cells = range(run[0])
    rep_obs = sum(observed[0, j] for j in repeat_cells)
    rep_exp = sum(stats["expected_mean"][0, j] for j in repeat_cells)
    return NearRepeatZone(
        bands=tuple(bands), band_edges_m=tuple(float(s_edges[s - 1]) for s in bands),
        band_days=band_days,
        repeat_days=float(t_edges_days[run[0] - 1]) if run[0] else 0.0,
        distance_m=float(s_edges[bands[-1] - 1]) if bands else 0.0,
        days=max(band_days) if band_days else 0.0, observed=obs, expected=exp,
        knox_ratio=obs / exp if exp > 0 else float("nan"), peak=peak,
        repeat_ratio=rep_obs / rep_exp if rep_exp > 0 else float("nan"), cells=tuple(cells))


def _long_table(observed, stats, significant, in_zone, labels, s_edges, t_edges_days):
    k, m = len(s_edges), len(t_edges_days)
    s_lo = np.r_[0.0, 0.0, s_edges[:-1], s_edges[-1]]
    s_hi = np.r_[0.0, s_edges, np.inf]
    t_lo = np.r_[0.0, t_edges_days]
    t_hi = np.r_[t_edges_days, np.inf]
    s_idx, t_idx = np.meshgrid(np.arange(k + 2), np.arange(m + 1), indexing="ij")
    s_idx, t_idx = s_idx.ravel(), t_idx.ravel()
    frame = pd.DataFrame({
        "spatial_band": s_idx, "temporal_band": t_idx,
        "spatial_label": np.asarray(labels["en"][0], dtype=object)[s_idx],
        "temporal_label": np.asarray(labels["en"][1], dtype=object)[t_idx],
        "spatial_label_pt": np.asarray(labels["pt"][0], dtype=object)[s_idx],
        "temporal_label_pt": np.asarray(labels["pt"][1], dtype=object)[t_idx],
        "distance_from_m": s_lo[s_idx], "distance_to_m": s_hi[s_idx],
        "days_from": t_lo[t_idx], "days_to": t_hi[t_idx],
        "observed": observed.ravel(),
    })
    for key in ("expected_mean", "expected_median", "knox_ratio", "knox_ratio_median", "p_value"):
        frame[key] = stats[key].ravel()
    frame["significant"] = significant.ravel()
    frame["in_zone"] = in_zone.ravel()
    return frame


def _summary(zone: NearRepeatZone, labels, s_edges, t_edges_days, closed, settings, lang) -> str:
    t = txt.TEXTS[lang]
    unit = settings.time_unit
    common = {"alpha": txt.format_edge(settings.alpha, lang),
              "perms": txt.format_number(settings.permutations, lang)}
    if not zone.found:
        text = t["none"].format(sl=labels[0][1], tl=labels[1][0], **common)
    else:
        phrases = []
        groups: list[tuple[list[int], float]] = []
        for band, days in zip(zone.bands, zone.band_days):
            if groups and groups[-1][1] == days:
                groups[-1][0].append(band)
            else:
                groups.append(([band], days))
        for members, days in groups:
            lo = 0.0 if members[0] == 1 else float(s_edges[members[0] - 2])
            hi = float(s_edges[members[-1] - 1])
            dist = txt.distance_phrase(lo, hi, first=members[0] == 1, closed=closed, language=lang)
            span = txt.days_phrase(days, closed=closed, unit=unit, language=lang)
            phrases.append(t["where_one"].format(dist=dist, days=span))
        text = t["zone"].format(
            where=t["where_join"].join(phrases), pct=txt.percent(zone.knox_ratio, lang),
            ratio=txt.format_number(zone.knox_ratio, lang, digits=2),
            obs=txt.format_number(zone.observed, lang),
            exp=txt.format_number(zone.expected, lang, digits=1), **common)
        if zone.peak is not None and len(zone.cells) > 1:
            s, j, ratio = zone.peak
            text += t["peak"].format(pct=txt.percent(ratio, lang), sl=labels[0][s],
                                     tl=labels[1][j])
    if zone.repeat_days > 0:
        span = txt.days_phrase(zone.repeat_days, closed=closed, unit=unit, language=lang,
                               of_source=True)
        text += t["repeat"].format(pct=txt.percent(zone.repeat_ratio, lang), days=span)
    else:
        text += t["no_repeat"]
    if settings.nrc_compatible:
        text += t["nrc_note"]
    return text


def knox_matrix(table: KnoxTable, *, value: str = "knox_ratio", language: str = "pt"
                ) -> pd.DataFrame:
    """One value of a table as a spatial × temporal matrix with the labels of ``language``.

    ``value``: observed, expected_mean, expected_median, knox_ratio, knox_ratio_median,
    p_value or significant.
    """
    allowed = ("observed", "expected_mean", "expected_median", "knox_ratio",
               "knox_ratio_median", "p_value", "significant")
    if value not in allowed:
        raise ValidationError(f"knox_matrix: value={value!r}; use one of {list(allowed)}")
    if language not in txt.LANGUAGES:
        raise ValidationError(f"knox_matrix: language={language!r}; use one of "
                              f"{list(txt.LANGUAGES)}")
    rows, cols = table.labels[language]
    return pd.DataFrame(getattr(table, value), index=pd.Index(rows, name="distance"),
                        columns=pd.Index(cols, name="time"))
