"""Night-time: local sunset and sunrise (astral) for each date and place, and is_night per incident."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np
import pandas as pd

from hotspots._errors import ValidationError

__all__ = ["enough_for_night_gi", "is_night", "study_lonlat", "sun_times"]


def sun_times(
    dates: pd.Series | list | np.ndarray,
    *,
    latitude: float,
    longitude: float,
    timezone: str,
) -> pd.DataFrame:
    """Sunrise and sunset (tz-aware, local) for each distinct local date, indexed by date.

    Sunrise/sunset are astral's: the upper limb of the sun at the horizon with standard
    refraction (the sun's centre 0.833° below it), the same definition as NOAA and almanacs.
    Polar day gives NaT times and ``polar`` = "day"; polar night, "night".
    """
    from astral import Observer
    from astral.sun import sunrise, sunset

    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValidationError(f"latitude={latitude!r}, longitude={longitude!r}: not a place on Earth "
                              "(give decimal degrees, latitude first)")
    try:
        tz = zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"timezone={timezone!r}: not an IANA time zone such as "
                              "'America/Sao_Paulo'") from exc
    observer = Observer(latitude=latitude, longitude=longitude)
    days = sorted({pd.Timestamp(d).date() for d in dates})
    rows = []
    for day in days:
        row = {"date": day, "sunrise": pd.NaT, "sunset": pd.NaT, "polar": ""}
        try:
            row["sunrise"] = pd.Timestamp(sunrise(observer, day, tzinfo=tz))
            row["sunset"] = pd.Timestamp(sunset(observer, day, tzinfo=tz))
        except ValueError:  # the sun never crosses the horizon that day
            noon = dt.datetime.combine(day, dt.time(12), tzinfo=tz)
            from astral.sun import elevation

            row["polar"] = "day" if elevation(observer, noon) > 0 else "night"
            row["sunrise"] = row["sunset"] = pd.NaT
        rows.append(row)
    out = pd.DataFrame(rows, columns=["date", "sunrise", "sunset", "polar"]).set_index("date")
    return out


def is_night(
    occurred_at: pd.Series,
    *,
    latitude: float,
    longitude: float,
    timezone: str | None = None,
) -> pd.Series:
    """True for times before local sunrise or at/after local sunset of their local date.

    ``occurred_at`` must be tz-aware; dates are taken in ``timezone`` (default: the series' own
    zone). Missing times give <NA>. The result is aligned to the input index.
    """
    if not isinstance(occurred_at.dtype, pd.DatetimeTZDtype):
        raise ValidationError("occurred_at must be timezone-aware timestamps (read incidents with "
                              "read_incidents, which localises them to the configured timezone)")
    tz_name = timezone or str(occurred_at.dt.tz)
    local = occurred_at.dt.tz_convert(tz_name)
    ok = local.notna()
    result = pd.Series(pd.NA, index=occurred_at.index, dtype="boolean")
    if not ok.any():
        return result
    # local dates as day numbers (no date object per incident): the sun table is per distinct
    # date, and each incident takes its date's row by position
    here = local[ok]
    wall = here.dt.tz_localize(None).to_numpy()
    days, which = np.unique(wall.astype("datetime64[D]"), return_inverse=True)
    table = sun_times(days.astype(dt.date).tolist(), latitude=latitude, longitude=longitude,
                      timezone=tz_name)
    rise = _utc_ns(table["sunrise"])[which]
    sset = _utc_ns(table["sunset"])[which]
    t = here.dt.tz_convert("UTC").dt.tz_localize(None).dt.as_unit("ns").to_numpy()
    night = (t < rise) | (t >= sset)  # NaT (polar days) compares False, as in pandas
    polar = table["polar"].to_numpy(dtype=object)[which]
    night = np.where(polar == "night", True, np.where(polar == "day", False, night))
    result[ok] = night
    return result


def _utc_ns(times: pd.Series) -> np.ndarray:
    """Zoned timestamps (NaT allowed) as naive UTC ``datetime64[ns]``."""
    return pd.to_datetime(times, utc=True).dt.tz_localize(None).dt.as_unit("ns").to_numpy()


def study_lonlat(segments) -> tuple[float, float]:
    """Longitude and latitude of the centre of the street network (for sunrise and sunset)."""
    import geopandas as gpd
    import shapely

    minx, miny, maxx, maxy = segments.total_bounds
    centre = gpd.GeoSeries([shapely.Point((minx + maxx) / 2, (miny + maxy) / 2)], crs=segments.crs)
    p = centre.to_crs(4326).iloc[0]
    return float(p.x), float(p.y)


def enough_for_night_gi(night_counts: pd.Series, *, min_incidents: int = 30) -> tuple[bool, str]:
    """Night-time Gi* is computed only with ≥ ``min_incidents`` night incidents on ≥ 30 segments
    and some variation between segments (Optimized Hot Spot Analysis' minimum of 30)."""
    total = int(night_counts.sum())
    if total < min_incidents:
        return False, f"only {total} night incidents (< {min_incidents})"
    if len(night_counts) < 30:
        return False, f"only {len(night_counts)} segments (< 30)"
    if float(night_counts.var()) == 0.0:
        return False, "every segment has the same night count"
    return True, f"{total} night incidents on {len(night_counts)} segments"
