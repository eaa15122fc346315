"""Privacy filters for exported layers (LGPD): what liaisons receive, and no person anywhere.

Two audiences:

- **liaison/public** (:func:`liaison_release`, :func:`liaison_tables`): every layer goes
  through its registry allow-list (``LayerSpec.liaison``) and every column through its
  disclosure rule (``LayerSpec.disclosure``; :mod:`hotspots.disclosure`): counts of 1 … k−1
  are withheld, and so is every value that would give one back (parts whose rest is small,
  rates and shares, ranks below a withheld count, texts); segments shorter than
  ``DisclosureSettings.min_length_m`` carry no count; classes are recomputed on the protected
  counts; z-scores and other continuous statistics are never released. Each count column
  has a status column (``<column>_status``: null when shown, ``k_rule`` or ``min_length``);
  ``suppressed`` is ``count_status == 'k_rule'`` (the count is 1 … k−1). A layer without an
  allow-list is not exported at all; raw incident points only with
  ``include_incident_points=True`` (category, date and segment).
- **analyst** (:func:`analyst_tables`): every table is kept, but columns whose names look
  personal (:func:`is_personal_column`, any spelling) are dropped and incidents keep only
  their analysis columns. Personal columns never reach a table anyway: ingest keeps only
  the columns the analysis needs (``hotspots.ingest``).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots._errors import ValidationError
from hotspots.disclosure.model import check_k, protect_layer
from hotspots.disclosure.personal import is_personal_column, normalise_name
from hotspots.disclosure.release import (
    INCIDENT_COLUMNS,
    LiaisonRelease,
    incident_points,
    release_for_liaisons,
)
from hotspots.disclosure.rules import DisclosureSettings
from hotspots.layers import LAYERS, liaison_columns

__all__ = ["COUNT_DERIVED", "INCIDENT_COLUMNS", "LIAISON_COLUMNS", "PLACE_LAYERS",
           "DisclosureSettings", "LiaisonRelease", "analyst_tables", "drop_personal_columns",
           "incident_points", "is_personal_column", "liaison_layer", "liaison_release",
           "liaison_tables", "normalise_name", "suppress_small_counts",
           "suppress_weekly_counts"]


def _count_derived() -> dict[str, tuple[str, ...]]:
    """Each count column of the registry and the columns withheld with it."""
    out: dict[str, list[str]] = {}
    for spec in LAYERS.values():
        rules = spec.disclosure or {}
        for col, rule in rules.items():
            if rule.kind == "count":
                out.setdefault(col, [col])
        for col, rule in rules.items():
            if rule.kind in ("derived", "text"):
                for src in rule.sources:
                    out.setdefault(src, [src])
                    if col not in out[src]:
                        out[src].append(col)
    return {k: tuple(v) for k, v in out.items()}


#: count columns and the fields withheld with them (from the registry's disclosure rules)
COUNT_DERIVED: dict[str, tuple[str, ...]] = _count_derived()

#: allow-list of columns per layer for liaison/public exports (the layer registry's);
#: layers not listed are not exported to liaisons
LIAISON_COLUMNS: dict[str, tuple[str, ...]] = liaison_columns()

#: layers whose ``name`` column names a place, not a person
PLACE_LAYERS = frozenset(n for n, s in LAYERS.items() if s.place_names)

liaison_release = release_for_liaisons


def drop_personal_columns(frame: pd.DataFrame, *, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """A copy of ``frame`` without the columns ``is_personal_column`` flags (``keep`` exempts)."""
    drop = [c for c in frame.columns if c not in keep and c != _geom_name(frame)
            and is_personal_column(c)]
    return frame.drop(columns=drop)


def suppress_small_counts(
    frame: pd.DataFrame,
    *,
    k: int = 3,
    derived: dict[str, tuple[str, ...]] | None = None,
) -> pd.DataFrame:
    """A copy of ``frame`` where counts of 1 … k−1 and the fields derived from them are null
    (low level: no complement, rank or length rule; the liaison release uses
    :mod:`hotspots.disclosure`).

    ``derived`` maps each count column to the columns computed from it (``COUNT_DERIVED`` by
    default); a ``suppressed`` boolean column marks the rows where anything was nulled.
    """
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValidationError(f"privacy k must be a whole number ≥ 1; got {k!r}")
    derived = COUNT_DERIVED if derived is None else derived
    out = frame.copy()
    if not any(c in out.columns for c in derived):
        return out
    flag = pd.Series(False, index=out.index)
    for count_col, fields in derived.items():
        if count_col not in out.columns:
            continue
        counts = pd.to_numeric(out[count_col], errors="coerce")
        small = (counts > 0) & (counts < k)
        if not small.any():
            continue
        for col in fields:
            if col in out.columns:
                kind = out[col].dtype
                if pd.api.types.is_bool_dtype(kind) or pd.api.types.is_integer_dtype(kind):
                    out[col] = out[col].astype("float64")  # room for the nulls
                elif not (pd.api.types.is_float_dtype(kind)
                          or pd.api.types.is_object_dtype(kind)):
                    out[col] = out[col].astype(object)  # text and categories keep their values
                out.loc[small, col] = None
        flag |= small
    out["suppressed"] = flag.to_numpy()
    return out


def suppress_weekly_counts(weekly: pd.DataFrame, *, k: int = 3) -> pd.DataFrame:
    """Segment × week counts with every count of 1 … k−1 nulled (each week a count of its own).

    The week slider of the liaison map draws these (the liaison release also leaves out the
    segments shorter than the minimum length: :attr:`LiaisonRelease.weekly`).
    """
    from hotspots.weekly import week_columns

    if k != 1:
        check_k(k)
    cols = list(week_columns(weekly))
    out = weekly.copy()
    values = out[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    small = (values >= 1) & (values <= k - 1)
    out[cols] = np.where(small, np.nan, values)
    return out


def liaison_layer(
    name: str,
    frame: pd.DataFrame,
    *,
    k: int = 3,
    settings: DisclosureSettings | None = None,
) -> pd.DataFrame | None:
    """One layer filtered for liaisons under its disclosure rules (classes that must be
    recomputed on protected counts are left out: use :func:`liaison_release` with the run's
    statistics for those).

    Returns None for layers that have no allow-list (they are not exported to liaisons).
    """
    spec = LAYERS.get(name)
    if spec is None or spec.liaison is None:
        return None
    settings = settings or DisclosureSettings()
    return protect_layer(name, frame, dict(spec.disclosure or {}), allowed=spec.liaison, k=k,
                         min_length_m=settings.min_length_m).frame


def liaison_tables(
    tables: dict[str, pd.DataFrame],
    *,
    k: int = 3,
    include_incident_points: bool = False,
    settings: DisclosureSettings | None = None,
) -> dict[str, pd.DataFrame]:
    """Every layer a liaison may receive, protected (see the module docstring;
    :func:`liaison_release` adds the week slider, the rasters and the report)."""
    return release_for_liaisons(tables, k=k, settings=settings,
                                include_incident_points=include_incident_points).layers


def analyst_tables(
    tables: dict[str, pd.DataFrame],
    *,
    incident_columns: tuple[str, ...] | None = None,
    include_incident_points: bool = True,
) -> dict[str, pd.DataFrame]:
    """Every table for the analyst's own outputs, personal columns dropped.

    ``incident_columns`` (when given) is the allow-list for the incidents table.
    """
    out: dict[str, pd.DataFrame] = {}
    for name, frame in tables.items():
        if frame is None or name.startswith("_"):
            continue
        if name == "incidents":
            if not include_incident_points:
                continue
            if incident_columns is not None:
                geom = _geom_name(frame)
                keep = [c for c in incident_columns if c in frame.columns]
                if geom is not None:
                    keep.append(geom)
                frame = frame[keep]
        out[name] = drop_personal_columns(frame, keep=("name",) if name in PLACE_LAYERS else ())
    return out


def _geom_name(frame: pd.DataFrame) -> str | None:
    if isinstance(frame, gpd.GeoDataFrame):
        try:
            return frame.geometry.name
        except AttributeError:
            return None
    return None
