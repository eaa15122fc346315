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

The zone: NRC 1.3 calls a pattern "significant and meaningful" and lists, per spatial band, how
long near repeats are over-represented from the first time band on. Its Chicago 2016 summary
lists the 201–300 m band "for up to 2 days" although the next cell (ratio 1.14) was as
significant as the first (ratio 1.30): a cell must also exceed a ratio between 1.14 and 1.30.
We take ``min_knox_ratio = 1.2`` (20 % above chance) and read the zone as the NRC does
(:func:`read_zone`); its summaries of three published runs are reproduced by the tests.

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

from hotspots._errors import ValidationError, problems_message
from hotspots._settings import build_section
from hotspots.config import NearRepeatSettings
from hotspots.stats import _knox, _pairs
from hotspots.stats import _near_repeat_inputs as _inputs
from hotspots.stats import near_repeat_text as txt

__all__ = [
    "CLOSED",
    "DISTANCES",
    "TIME_UNITS",
    "KnoxTable",
    "NearRepeatResult",
    "NearRepeatSettings",
    "NearRepeatZone",
    "check_settings",
    "knox_matrix",
    "near_repeat",
    "read_zone",
]

DISTANCES = ("euclidean", "manhattan", "network")
CLOSED = ("left", "right")
TIME_UNITS = ("calendar_days", "elapsed_days")
_SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class NearRepeatZone:
    """The near-repeat zone read off a table (see :func:`read_zone`).

    ``bands`` are the spatial bands 1, 2, … (contiguous from the source) whose first time band is
    meaningful (significant and at least ``min_knox_ratio``); ``band_days[i]`` is the upper edge
    (days) of the run of meaningful time bands from the first one in ``bands[i]``,
    ``band_edges_m[i]`` its upper distance edge. The zone reaches ``distance_m`` (upper edge of
    its last band) and at most ``days``. ``repeat_days``: the same for the "same location" band
    (0 when not meaningful). ``knox_ratio`` is pooled over the
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
        """Whether any near-repeat band is meaningful."""
        return bool(self.bands)

    def reach(self) -> list[tuple[float, float]]:
        """(upper distance edge m, days) of every zone band, same location (0 m) first."""
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
    meaningful: np.ndarray
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
        """The overall near-repeat zone."""
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
        ((#{sim ≥ obs} + 1) / (R + 1)), ``significant`` (p ≤ α and ratio > 1),
        ``meaningful`` (significant and ratio ≥ ``min_knox_ratio``), ``in_zone``.
        The overall permutations use ``seed``; category c (sorted, position i) uses
        ``numpy.random.default_rng([seed, i + 1])``. Incidents are put in ``incident_id`` order
        first, so the result does not depend on row order.
    """
    settings = NearRepeatSettings() if settings is None else settings
    check_settings(settings)
    prep = _inputs.prepare(incidents, segments, settings)
    s_edges = settings.bandwidth_m * np.arange(1, settings.spatial_bands + 1, dtype=float)
    t_edges_days = settings.bandwidth_days * np.arange(1, settings.temporal_bands + 1)
    closed = "left" if settings.nrc_compatible else settings.closed
    scale = _SECONDS_PER_DAY if settings.time_unit == "elapsed_days" else 1
    t_edges = (t_edges_days * scale).astype(np.int64)
    pairs = _inputs.close_pairs(prep, settings, float(s_edges[-1]), band_edges_m=s_edges,
                                closed=closed)
    if pairs.band is not None:  # planar: banded as they were found, finite bands only
        sband = pairs.band
    else:
        sband = _knox.spatial_bands(pairs.distance_m, s_edges, closed=closed)
        finite = sband <= settings.spatial_bands
        if not finite.all():  # pairs exactly at the last edge of left-closed bands
            pairs, sband = pairs.subset(finite), sband[finite]
    common = dict(s_edges=s_edges, t_edges=t_edges, t_edges_days=t_edges_days.astype(float),
                  closed=closed, settings=settings, keep=keep_simulations)
    locality = _pairs.morton_order(prep["xy"])
    overall = _table(pairs, sband, prep["t"], seed=settings.seed, category=None,
                     locality=locality, **common)
    by_category: dict[str, KnoxTable] = {}
    if settings.per_category:
        cats = prep["category"]
        for i, cat in enumerate(sorted(pd.unique(cats))):
            members = np.flatnonzero(cats == cat)
            new_pos = np.full(len(cats), -1, dtype=np.int64)
            new_pos[members] = np.arange(len(members))
            keep = (cats[pairs.first] == cat) & (cats[pairs.second] == cat)
            sub = pairs.subset(keep, new_pos)
            rank = np.empty(len(cats), dtype=np.int64)
            rank[locality] = np.arange(len(cats))
            by_category[str(cat)] = _table(sub, sband[keep], prep["t"][members],
                                           seed=(settings.seed, i + 1), category=str(cat),
                                           locality=np.argsort(rank[members], kind="stable"),
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


# --- one table --------------------------------------------------------------------------------


def _table(pairs, sband, t, *, seed, category, locality, s_edges, t_edges, t_edges_days, closed,
           settings, keep) -> KnoxTable:
    k = len(s_edges)
    n = len(t)
    seq = seed if isinstance(seed, int) else list(seed)
    observed, sims = _knox.knox_counts(pairs.first, pairs.second, sband, t, t_edges,
                                       closed=closed, n_spatial=k + 1,
                                       permutations=settings.permutations, seed=seq,
                                       locality=locality)
    stats = _knox.summarise(observed, sims)
    significant = (stats["p_value"] <= settings.alpha) & (stats["knox_ratio"] > 1)
    meaningful = significant & (stats["knox_ratio"] >= settings.min_knox_ratio)
    zone = read_zone(observed, stats["expected_mean"], meaningful, spatial_edges_m=s_edges,
                     temporal_edges_days=t_edges_days, knox_ratio=stats["knox_ratio"])
    labels = {lang: (tuple(txt.spatial_labels(s_edges, closed=closed,
                                              nrc=settings.nrc_compatible, language=lang)),
                     tuple(txt.temporal_labels(t_edges_days, closed=closed,
                                               unit=settings.time_unit,
                                               nrc=settings.nrc_compatible, language=lang)))
              for lang in txt.LANGUAGES}
    in_zone = np.zeros_like(significant)
    for cell in zone.cells:
        in_zone[cell] = True
    long = _long_table(observed, stats, significant, meaningful, in_zone, labels, s_edges,
                       t_edges_days)
    summary = {lang: _summary(zone, labels[lang], s_edges, t_edges_days, closed, settings, lang)
               for lang in txt.LANGUAGES}
    return KnoxTable(
        table=long, observed=observed, expected_mean=stats["expected_mean"],
        expected_median=stats["expected_median"], knox_ratio=stats["knox_ratio"],
        knox_ratio_median=stats["knox_ratio_median"], p_value=stats["p_value"],
        significant=significant, meaningful=meaningful, zone=zone, labels=labels,
        summary=summary, n_incidents=n, n_pairs=n * (n - 1) // 2, n_close_pairs=len(pairs), category=category,
        seed=seed, alpha=settings.alpha, permutations=settings.permutations,
        simulated=sims if keep else None)


def read_zone(observed: np.ndarray, expected: np.ndarray, meaningful: np.ndarray, *,
              spatial_edges_m, temporal_edges_days, knox_ratio: np.ndarray | None = None
              ) -> NearRepeatZone:
    """The near-repeat zone of a table, read as the NRC 1.3 summary reads it.

    A spatial band belongs to the zone when its *first* time band is meaningful (significant and
    at least ``min_knox_ratio``); its duration is the run of meaningful time bands from the first
    (a later meaningful band after a gap does not count). The near-repeat bands must be
    contiguous from band 1; the same-location band is read alike on its own (repeats). Arrays
    are (k + 2, m + 1) as in :class:`KnoxTable`; ``expected`` the mean expected counts.
    """
    s_edges = np.asarray(spatial_edges_m, dtype=float)
    t_edges_days = np.asarray(temporal_edges_days, dtype=float)
    ratio = observed / expected if knox_ratio is None else knox_ratio
    k, m = len(s_edges), len(t_edges_days)
    finite = np.asarray(meaningful, dtype=bool)[: k + 1, :m]
    run = np.where(finite.all(axis=1), m, np.argmin(finite, axis=1))  # leading meaningful bands
    bands = []
    for s in range(1, k + 1):
        if run[s] == 0:
            break
        bands.append(s)
    band_days = tuple(float(t_edges_days[run[s] - 1]) for s in bands)
    cells = [(s, j) for s in bands for j in range(run[s])]
    obs = int(sum(observed[s, j] for s, j in cells))
    exp = float(sum(expected[s, j] for s, j in cells))
    peak = None
    if cells:
        s, j = max(cells, key=lambda c: ratio[c])
        peak = (s, j, float(ratio[s, j]))
    repeat_cells = range(run[0])
    rep_obs = sum(observed[0, j] for j in repeat_cells)
    rep_exp = sum(expected[0, j] for j in repeat_cells)
    return NearRepeatZone(
        bands=tuple(bands), band_edges_m=tuple(float(s_edges[s - 1]) for s in bands),
        band_days=band_days,
        repeat_days=float(t_edges_days[run[0] - 1]) if run[0] else 0.0,
        distance_m=float(s_edges[bands[-1] - 1]) if bands else 0.0,
        days=max(band_days) if band_days else 0.0, observed=obs, expected=exp,
        knox_ratio=obs / exp if exp > 0 else float("nan"), peak=peak,
        repeat_ratio=rep_obs / rep_exp if rep_exp > 0 else float("nan"), cells=tuple(cells))


def _long_table(observed, stats, significant, meaningful, in_zone, labels, s_edges,
                t_edges_days):
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
    frame["meaningful"] = meaningful.ravel()
    frame["in_zone"] = in_zone.ravel()
    return frame


def _summary(zone: NearRepeatZone, labels, s_edges, t_edges_days, closed, settings, lang) -> str:
    t = txt.TEXTS[lang]
    unit = settings.time_unit
    common = {"alpha": txt.format_edge(settings.alpha, lang),
              "perms": txt.format_number(settings.permutations, lang)}
    if not zone.found:
        text = t["none"].format(sl=labels[0][1], tl=labels[1][0],
                                pct=txt.percent(settings.min_knox_ratio, lang), **common)
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
    p_value, significant or meaningful.
    """
    allowed = ("observed", "expected_mean", "expected_median", "knox_ratio",
               "knox_ratio_median", "p_value", "significant", "meaningful")
    if value not in allowed:
        raise ValidationError(f"knox_matrix: value={value!r}; use one of {list(allowed)}")
    if language not in txt.LANGUAGES:
        raise ValidationError(f"knox_matrix: language={language!r}; use one of "
                              f"{list(txt.LANGUAGES)}")
    rows, cols = table.labels[language]
    return pd.DataFrame(getattr(table, value), index=pd.Index(rows, name="distance"),
                        columns=pd.Index(cols, name="time"))
