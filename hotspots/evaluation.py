"""How good last week's hot spots were: hit rate, PAI, RRI and the crime-concentration curve."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import aggregate
from hotspots._errors import ValidationError

__all__ = [
    "WEISBURD_25", "WEISBURD_50", "Concentration", "HotSpotEvaluation", "concentration_curve",
    "evaluate_hot_spots"
]

#: Weisburd (2015), eight cities: 50 % of crime on 2.1–6.0 % of segments, 25 % on 0.4–1.6 %
WEISBURD_50 = (0.021, 0.060)
WEISBURD_25 = (0.004, 0.016)


@dataclass(frozen=True)
class HotSpotEvaluation:
    """Hit rate, PAI (by length, area and segment count) and RRI of one flagged set.

    Definitions (Chainey, Tompson & Uhlig 2008; Levine 2008), with n = incidents of the
    evaluation period on flagged segments and N = all incidents of that period:

    - ``hit_rate`` = n / N
    - ``pai_length`` = (n / N) / (a / A), a = street length flagged, A = all street length
    - ``pai_area`` = (n / N) / (a / A), a = area of the flagged segments buffered by
      ``buffer_m`` (union, clipped to the study area), A = study area
    - ``pai_segments`` = (n / N) / (k / K), k = segments flagged, K = all segments
    - ``rri`` = (n₂ / n₁) / (N₂ / N₁): incidents on the flagged segments in the evaluation period
      (n₂) over the flagging period (n₁), normalised by the change of the total (N₂ / N₁)
    """

    n: int
    N: int
    hit_rate: float
    flagged_segments: int
    total_segments: int
    flagged_length_m: float
    total_length_m: float
    flagged_area_m2: float | None
    total_area_m2: float | None
    pai_length: float
    pai_area: float | None
    pai_segments: float
    n_before: int | None
    N_before: int | None
    rri: float | None
    buffer_m: float

    def to_dict(self) -> dict:
        """Plain dict of every number (for the manifest and the report)."""
        return {k: _plain(v) for k, v in self.__dict__.items()}


def _plain(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else float("nan")


def evaluate_hot_spots(
    flagged: pd.Series,
    counts: pd.Series,
    *,
    lengths_m: pd.Series,
    counts_before: pd.Series | None = None,
    geometry: gpd.GeoSeries | None = None,
    study_area: shapely.Geometry | None = None,
    buffer_m: float = 15.0,
) -> HotSpotEvaluation:
    """Evaluate the segments ``flagged`` (bool per segment) against later ``counts`` per segment.

    ``counts_before`` (counts of the period that produced the flags) enables the RRI;
    ``geometry`` and ``study_area`` (both in a metric CRS) enable the area-based PAI. All series
    are aligned on the segment index of ``counts``; the inputs are not modified.
    """
    idx = counts.index
    flag = flagged.reindex(idx)
    if flag.isna().any():
        missing = list(idx[flag.isna()][:5])
        raise ValidationError(f"flagged set has no value for {int(flag.isna().sum())} segments "
                              f"(first: {missing}); give a flag for every segment")
    flag = flag.astype(bool).to_numpy()
    c = counts.to_numpy(dtype=float)
    if (c < 0).any():
        raise ValidationError("counts must be ≥ 0")
    length = lengths_m.reindex(idx).to_numpy(dtype=float)
    if np.isnan(length).any() or (length < 0).any():
        raise ValidationError("every segment needs a length_m ≥ 0")
    n, N = float(c[flag].sum()), float(c.sum())
    hit = _ratio(n, N)
    a_len, A_len = float(length[flag].sum()), float(length.sum())
    pai_len = _ratio(hit, _ratio(a_len, A_len)) if a_len else float("nan")
    k, K = int(flag.sum()), len(flag)
    pai_seg = _ratio(hit, k / K) if k else float("nan")
    a_area = A_area = pai_area = None
    if geometry is not None:
        geoms = geometry.reindex(idx).to_numpy()
        if study_area is None:
            study_area = shapely.convex_hull(shapely.union_all(geoms)).buffer(buffer_m)
        A_area = float(shapely.area(study_area))
        flagged_geoms = geoms[flag]
        if len(flagged_geoms):
            zone = shapely.union_all(shapely.buffer(flagged_geoms, buffer_m))
            a_area = float(shapely.area(shapely.intersection(zone, study_area)))
        else:
            a_area = 0.0
        pai_area = _ratio(hit, _ratio(a_area, A_area)) if a_area else float("nan")
    n1 = N1 = rri = None
    if counts_before is not None:
        cb = counts_before.reindex(idx).fillna(0).to_numpy(dtype=float)
        n1, N1 = int(cb[flag].sum()), int(cb.sum())
        rri = _ratio(_ratio(n, n1), _ratio(N, N1)) if n1 and N1 else float("nan")
    return HotSpotEvaluation(
        n=int(n), N=int(N), hit_rate=hit, flagged_segments=k, total_segments=K,
        flagged_length_m=a_len, total_length_m=A_len, flagged_area_m2=a_area,
        total_area_m2=A_area, pai_length=pai_len, pai_area=pai_area, pai_segments=pai_seg,
        n_before=n1, N_before=N1, rri=rri, buffer_m=float(buffer_m),
    )


@dataclass(frozen=True)
class Concentration:
    """Crime concentration on segments and where it sits against Weisburd's law."""

    curve: pd.DataFrame  #: share_segments, share_incidents (Lorenz-style, busiest first)
    share_for_25pct: float
    share_for_50pct: float
    gini: float
    segments: int
    incidents: int
    within_weisburd_50: bool | None
    within_weisburd_25: bool | None

    def to_dict(self) -> dict:
        """Plain dict without the curve."""
        return {k: _plain(v) for k, v in self.__dict__.items() if k != "curve"}


def concentration_curve(counts: pd.Series) -> Concentration:
    """Cumulative share of incidents held by the busiest share of segments (zeros included).

    ``share_for_X`` is the smallest share of segments whose incidents reach X % of the total
    (Weisburd 2015 counts all segments of the city, with and without crime). ``gini`` is the
    Gini coefficient of the counts, (Σᵢ (2i − n − 1) xᵢ) / (n Σ xᵢ) with x sorted ascending.
    """
    values = np.sort(np.asarray(counts, dtype=float))[::-1]
    if (values < 0).any():
        raise ValidationError("counts must be ≥ 0")
    n, total = len(values), float(values.sum())
    if n == 0 or total == 0:
        empty = pd.DataFrame({"share_segments": [0.0], "share_incidents": [0.0]})
        return Concentration(empty, float("nan"), float("nan"), float("nan"), n, int(total),
                             None, None)
    cum = np.concatenate([[0.0], np.cumsum(values) / total])
    share_seg = np.arange(n + 1) / n
    shares = aggregate.concentration(values)  # the same shares and Gini as the run summary
    s25, s50, gini = shares["share_for_25pct"], shares["share_for_50pct"], shares["gini"]
    return Concentration(
        curve=pd.DataFrame({"share_segments": share_seg, "share_incidents": cum}),
        share_for_25pct=s25, share_for_50pct=s50, gini=gini, segments=n, incidents=int(total),
        within_weisburd_50=bool(WEISBURD_50[0] <= s50 <= WEISBURD_50[1]),
        within_weisburd_25=bool(WEISBURD_25[0] <= s25 <= WEISBURD_25[1]),
    )
