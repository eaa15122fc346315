"""Privacy filters for exported layers: column allow-lists, small-count suppression (LGPD).

Two audiences:

- **liaison/public** (``liaison_tables``): every layer goes through an allow-list of columns
  (``LIAISON_COLUMNS``); a layer not listed there is not exported at all; raw incident points
  are left out unless ``include_incident_points=True`` (and then carry only category, date and
  segment); segment counts below ``k`` are suppressed (see ``suppress_small_counts``).
- **analyst** (``analyst_tables``): every table is kept, but columns whose names look personal
  (``is_personal_column``: names, documents such as CPF/RG, phones, e-mails, addresses of people,
  free-text narratives, victim/suspect data) are dropped, and incidents keep only their
  analysis columns.

Counts of 1 … k−1 are suppressed; zero is shown (a street with no recorded incident identifies
nobody). A suppressed row keeps its geometry and identity, its count-derived fields become null
and ``suppressed`` is True.
"""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd

from hotspots._errors import ValidationError
from hotspots.layers import LAYERS, liaison_columns
from hotspots.stats.emerging import EMERGING_COUNT_DERIVED

#: count columns and the fields derived from them (suppressed together)
COUNT_DERIVED: dict[str, tuple[str, ...]] = {
    "count": ("count", "rate_per_100m", "night_count", "night_share", "night_dark_count"),
    "night_count": ("night_count", "night_share", "night_dark_count"),
    "night_dark_count": ("night_dark_count",),
    "incidents": ("incidents", "incidents_per_week", "share_of_shift"),
    "incidents_near": ("incidents_near", "night_near", "incidents_covered"),
    "night_near": ("night_near",),
    # emerging categories are released only where the segment's space-time neighbourhood
    # held k or more incidents (see hotspots.stats.emerging.EMERGING_COUNT_DERIVED)
    **EMERGING_COUNT_DERIVED,
}

#: allow-list of columns per layer for liaison/public exports (the layer registry's);
#: layers not listed are not exported to liaisons
LIAISON_COLUMNS: dict[str, tuple[str, ...]] = liaison_columns()

#: layers whose ``name`` column names a place, not a person
PLACE_LAYERS = frozenset(n for n, s in LAYERS.items() if s.place_names)

#: columns an incident point may carry when points are explicitly requested
INCIDENT_COLUMNS: tuple[str, ...] = ("category", "occurred_date", "segment_id", "geometry")

_PERSONAL = re.compile(
    r"(^|_)(nome|name|nomes|vitima|vítima|victim|autor|suspeito|suspect|offender|cpf|rg|cnh|"
    r"documento|document|doc|passaporte|passport|telefone|phone|celular|fone|tel|email|e_mail|"
    r"narrativa|narrative|historico|histórico|relato|descricao|descrição|description|obs|"
    r"observacao|observação|comunicante|declarante|testemunha|witness|nascimento|birth|idade|"
    r"age|sexo|gender|raca|raça|race|endereco_residencial|residencia|residência|mae|mãe|pai)"
    r"($|_)",
    re.IGNORECASE,
)
#: column names that contain a personal word but are not personal
_NOT_PERSONAL = {"street_name", "name_street", "layer_name", "area_name", "bairro_name"}


def is_personal_column(name: str) -> bool:
    """Whether a column name looks like personal data (names, documents, phones, narratives…)."""
    low = str(name).lower()
    if low in _NOT_PERSONAL:
        return False
    return bool(_PERSONAL.search(low))


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
    """A copy of ``frame`` where counts of 1 … k−1 and the fields derived from them are null.

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

    The week slider of the liaison map draws these; a segment whose week count is hidden
    keeps its geometry (shown as "suppressed").
    """
    from hotspots.weekly import week_columns

    return suppress_small_counts(weekly, k=k, derived={c: (c,) for c in week_columns(weekly)})


def liaison_layer(
    name: str,
    frame: pd.DataFrame,
    *,
    k: int = 3,
) -> pd.DataFrame | None:
    """One layer filtered for liaisons: allow-listed columns, small counts suppressed.

    Returns None for layers that have no allow-list (they are not exported to liaisons).
    """
    allowed = LIAISON_COLUMNS.get(name)
    if allowed is None:
        return None
    table = frame
    index_name = table.index.name
    if index_name is not None and index_name in allowed and index_name not in table.columns:
        table = table.reset_index()
    table = suppress_small_counts(table, k=k)
    cols = [c for c in allowed if c in table.columns]
    geom = _geom_name(table)
    if geom is not None and geom not in cols:
        cols.append(geom)
    out = table[cols]
    if index_name is not None and index_name in out.columns:
        out = out.set_index(index_name)
    return out


def incident_points(incidents: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Incident points reduced to category, date (no time) and segment — only when asked for."""
    if not isinstance(incidents, gpd.GeoDataFrame):
        raise ValidationError("incident points need a GeoDataFrame with point geometry")
    out = gpd.GeoDataFrame(
        {"category": incidents["category"].astype(str).to_numpy()
         if "category" in incidents.columns else None},
        geometry=incidents.geometry.to_numpy(), crs=incidents.crs,
    )
    if "occurred_at" in incidents.columns:
        out["occurred_date"] = pd.Series(incidents["occurred_at"]).map(
            lambda t: t.date().isoformat() if pd.notna(t) else None).to_numpy()
    if "segment_id" in incidents.columns:
        out["segment_id"] = incidents["segment_id"].to_numpy()
    return out[[c for c in INCIDENT_COLUMNS if c in out.columns]]


def liaison_tables(
    tables: dict[str, pd.DataFrame],
    *,
    k: int = 3,
    include_incident_points: bool = False,
) -> dict[str, pd.DataFrame]:
    """Every layer a liaison may receive, filtered (see the module docstring)."""
    out: dict[str, pd.DataFrame] = {}
    for name, frame in tables.items():
        if frame is None or name.startswith("_"):
            continue
        layer = liaison_layer(name, frame, k=k)
        if layer is not None:
            out[name] = layer
    if include_incident_points and "incidents" in tables:
        out["incidents"] = incident_points(tables["incidents"])
    return out


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
        keep = ("name",) if name in PLACE_LAYERS else ()
        out[name] = drop_personal_columns(frame, keep=keep)
    return out


def _geom_name(frame: pd.DataFrame) -> str | None:
    if isinstance(frame, gpd.GeoDataFrame):
        try:
            return frame.geometry.name
        except AttributeError:
            return None
    return None
