"""The one registry of output layers: name, title, geometry, styles, tooltip and liaison columns.

Every consumer reads it — the web map (tooltip fields, titles), the KML (folder titles, balloon
fields), the QGIS styles (symbology keys, default first), the privacy filter (the columns a
liaison may receive; layers without an allow-list are never sent to liaisons) and the liaison
README — so adding a layer is one entry in :data:`LAYERS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hotspots.disclosure.rules import (
    Rule,
    count,
    derived,
    protected,
    public,
    recomputed,
    status,
    text,
)
from hotspots.stats.emerging import EMERGING_LIAISON_COLUMNS

__all__ = ["LAYERS", "Field", "LayerSpec", "liaison_columns", "spec"]


@dataclass(frozen=True)
class Field:
    """A column shown in tooltips/popups: ``kind`` is text, num, int, pct, p (a p-value:
    "< 0.001" below it), bool or class."""

    column: str
    label: str
    kind: str = "text"
    decimals: int = 2


@dataclass(frozen=True)
class LayerSpec:
    """One output layer.

    ``styles`` are keys of :func:`hotspots.symbology.symbology`, the default first (each used
    only where its column exists). ``liaison`` is the allow-list of columns a police liaison
    may receive (None: the layer is analyst-only). ``kml`` are the fields of a Google Earth
    balloon; ``names`` the column that names a feature (placemarks, labels); ``place_names``
    says that a ``name`` column names a place, not a person (kept by the personal-data
    filter). ``disclosure`` gives every liaison column its rule
    (:mod:`hotspots.disclosure.rules`): a liaison column without one is never released.
    """

    name: str
    title: str
    title_pt: str
    geometry: str | None
    styles: tuple[str, ...] = ()
    tooltip: tuple[Field, ...] = ()
    liaison: tuple[str, ...] | None = None
    kml: tuple[str, ...] = ()
    names: str | None = None
    place_names: bool = False
    disclosure: Mapping[str, Rule] | None = None
    #: columns of ``tooltip`` shown on hover (at most three: the compact tooltip), the rest
    #: in the popup
    hover: tuple[str, ...] = ()

    def heading(self, lang: str = "en") -> str:
        """The layer's title in ``lang`` ('en' or 'pt')."""
        return self.title_pt if str(lang).lower().startswith("pt") else self.title


#: what a segment tooltip may show (an allow-list: nothing else reaches the HTML)
SEGMENT_FIELDS: tuple[Field, ...] = (
    Field("count", "Incidents", "int"),
    Field("rate_per_100m", "Incidents per 100 m", "num", 2),
    Field("length_m", "Length (m)", "num", 0),
    Field("gi_bin", "Gi* class", "class"),
    Field("gi_z", "Gi* z-score", "num", 2),
    Field("gi_p_adj", "Gi* p (FDR-adjusted)", "p", 3),
    Field("lisa_class", "Local Moran class", "text"),
    Field("emerging_category", "Emerging trend", "text"),
    Field("hot_status", "Hot segment, week over week", "text"),
    Field("night_count", "Incidents at night", "int"),
    Field("night_share", "Share at night", "pct", 0),
    Field("lamps_within_reach", "Lamps within reach", "int"),
    Field("lights_per_100m", "Lamps per 100 m", "num", 1),
    Field("dark_fraction", "Dark share of length", "pct", 0),
    Field("dark_gap_m", "Dark length (m)", "num", 0),
    Field("dist_green_m", "Distance to green area (m)", "num", 0),
    Field("lamps_needed", "New lamps needed", "int"),
)

#: emerging-hot-spot columns a liaison may receive (the category and its reading; never the
#: per-week z/p, which solve back to counts: see hotspots.stats.emerging); the release computes
#: them again on the protected counts (hotspots.disclosure)
_EMERGING_LIAISON = EMERGING_LIAISON_COLUMNS
#: continuous statistics (gi_z, gi_p, gi_p_adj, nkde, night_gi_z) are analyst only: with the
#: street graph they solve back to every segment's count (hotspots.disclosure.attack)
_SEGMENT_LIAISON = (
    "segment_id", "street_name", "length_m", "count", "rate_per_100m",
    "gi_bin", "gi_nneighbors", "lisa_class",
    "lamps_within_reach", "broken_within_reach", "lights_per_100m",
    "lit_m", "dark_gap_m", "dark_fraction", "longest_dark_gap_m", "lamps_needed",
    "night_count", "night_share", "night_dark_count", "night_gi_bin",
    "dist_green_m", "green_area_within_m2", "nearest_green_id", "nearest_green_adopted",
    "suppressed", "count_status", "night_count_status", "night_dark_count_status",
    *_EMERGING_LIAISON, "emerging_status", "geometry",
)
_LAMPS = "lamp inventory and street geometry only"
_GREEN = "green-area layer and street geometry only"
_SEGMENT_RULES: dict[str, Rule] = {
    "segment_id": public("the street layer's"), "street_name": public("the street layer's"),
    "length_m": public("geometry"), "gi_nneighbors": public("the street graph"),
    "count": count(),
    "rate_per_100m": derived("count"),
    "night_count": count(part_of="count"),
    "night_share": derived("night_count", "count"),
    "night_dark_count": count(part_of="night_count"),
    "gi_bin": recomputed("gi_bin"), "lisa_class": recomputed("lisa_class"),
    "night_gi_bin": recomputed("night_gi_bin"),
    **{c: public(_LAMPS) for c in (
        "lamps_within_reach", "broken_within_reach", "lights_per_100m", "lit_m", "dark_gap_m",
        "dark_fraction", "longest_dark_gap_m", "lamps_needed")},
    **{c: public(_GREEN) for c in (
        "dist_green_m", "green_area_within_m2", "nearest_green_id", "nearest_green_adopted")},
    **{c: recomputed(c, gate="emerging_nbhd_count") for c in _EMERGING_LIAISON},
    "suppressed": status(), "count_status": status(), "night_count_status": status(),
    "night_dark_count_status": status(), "emerging_status": status(),
}
_SEGMENT_KML = ("segment_id", "street_name", "count", "rate_per_100m", "gi_z", "gi_p_adj",
                "night_count", "night_share", "lights_per_100m", "dark_fraction",
                "suppressed", "count_status", "length_m")
_PATROL_RULES: dict[str, Rule] = {
    "shift": public("the configured shift windows"),
    "shift_rank": public("the order of the shift's counts: a withheld count hides every "
                         "count below it"),
    "segment_id": public("the street layer's"), "street_name": public("the street layer's"),
    "incidents": count(margin=("segments", "count"), key="segment_id",
                       ranked=("shift", "shift_rank")),
    "incidents_per_week": derived("incidents"),
    "visits_per_shift": public("the shift's hours (Koper: one visit every two hours)"),
    "visit_minutes": public("fixed guidance (Koper 1995)"),
    "guidance": text("incidents", redact="patrol_guidance"),
    "incidents_status": status(),
}

LAYERS: dict[str, LayerSpec] = {s.name: s for s in (
    LayerSpec("segments", "Hot spots (Gi*)", "Pontos quentes (Gi*)", "line",
              styles=("gi", "rate", "hot_status", "emerging"),
              tooltip=SEGMENT_FIELDS, liaison=_SEGMENT_LIAISON, kml=_SEGMENT_KML,
              names="street_name", disclosure=_SEGMENT_RULES, hover=("count", "rate_per_100m")),
    LayerSpec("dark_gaps", "Dark stretches", "Trechos escuros", "line", styles=("dark_gaps",),
              tooltip=(Field("length_m", "Dark length (m)", "num", 0),),
              liaison=("gap_id", "segment_id", "street_name", "start_m", "end_m", "length_m",
                       "geometry"),
              kml=("street_name", "length_m"), names="street_name", hover=("length_m",),
              disclosure={c: public(_LAMPS) for c in (
                  "gap_id", "segment_id", "street_name", "start_m", "end_m", "length_m")}),
    LayerSpec("lamps", "Street lamps", "Iluminação pública", "point", styles=("lamps",),
              tooltip=(Field("status", "Status"), Field("lumens", "Lumens", "int")),
              liaison=("lamp_id", "status", "working", "lumens", "geometry"),
              kml=("status",), place_names=True, hover=("lumens",),
              disclosure={c: public(_LAMPS) for c in ("lamp_id", "status", "working", "lumens")}),
    LayerSpec("green_areas", "Green areas", "Áreas verdes", "polygon", styles=("green",),
              tooltip=(Field("kind", "Kind"), Field("adopted", "Adopted", "bool")),
              liaison=("area_id", "name", "kind", "adopted", "area_m2", "geometry"),
              kml=("adopted",), names="name", place_names=True, hover=("kind",),
              disclosure={c: public(_GREEN) for c in ("area_id", "name", "kind", "adopted",
                                                      "area_m2")}),
    LayerSpec("boundary", "Study area", "Área de estudo", "polygon", styles=("boundary",),
              liaison=("name", "geometry"), names="name", place_names=True,
              disclosure={"name": public("the study area's name")}),
    LayerSpec("patrol", "Patrol segments by shift", "Segmentos de patrulha por turno", "line",
              styles=("patrol",),
              tooltip=(Field("shift", "Shift"), Field("shift_rank", "Rank in shift", "int"),
                       Field("incidents_per_week", "Incidents per week", "num", 1),
                       Field("visits_per_shift", "Visits per shift", "int"),
                       Field("visit_minutes", "Minutes per visit", "int"),
                       Field("guidance", "Guidance")),
              liaison=("shift", "shift_rank", "segment_id", "street_name", "incidents",
                       "incidents_per_week", "visits_per_shift", "visit_minutes", "guidance",
                       "incidents_status", "geometry"),
              kml=("street_name", "shift", "guidance", "visits_per_shift", "visit_minutes",
                   "incidents_status"),
              names="street_name", disclosure=_PATROL_RULES,
              hover=("shift_rank", "visits_per_shift", "visit_minutes")),
    LayerSpec("plan_lighting", "Lighting plan: funded projects",
              "Plano de iluminação: projetos financiados", "line", styles=("plan_lighting",),
              tooltip=(Field("what", "Work"), Field("location", "Where"),
                       Field("cost", "Cost (R$)", "num", 0),
                       Field("rank", "Rank (value per R$)", "int"), Field("reason", "Why")),
              kml=("what", "location", "cost", "rank", "reason"), names="location",
              hover=("what", "cost", "rank")),
    LayerSpec("plan_repair_lamps", "Lamps to repair", "Luminárias a consertar", "point",
              styles=("plan_repair_lamps",),
              tooltip=(Field("lamp_id", "Lamp", "int"), Field("funded", "Funded", "bool")),
              kml=("lamp_id", "funded"), place_names=True, hover=("lamp_id",)),
    LayerSpec("plan_green", "Green areas: funded adoption", "Áreas verdes: adoção financiada",
              "polygon", styles=("plan_green",),
              tooltip=(Field("what", "Work"), Field("location", "Where"),
                       Field("cost", "Cost (R$)", "num", 0), Field("reason", "Why")),
              kml=("what", "location", "cost", "reason"), names="location", place_names=True,
              hover=("what", "cost")),
    LayerSpec("near_repeat_zones", "Near-repeat risk zones", "Zonas de risco de repetição",
              "line", styles=("near_repeat",),
              tooltip=(Field("active_until", "Raised risk until"),
                       Field("days_left", "Days left", "int")),
              liaison=("segment_id", "street_name", "active_until", "days_left", "geometry"),
              kml=("street_name", "active_until", "days_left"), names="street_name",
              hover=("active_until", "days_left"),
              disclosure={c: protected("hotspots.stats.near_repeat_zones.release_risk_zones")
                          for c in ("segment_id", "street_name", "active_until",
                                    "days_left")}),
    LayerSpec("incidents", "Incidents", "Ocorrências", "point", styles=("incidents",),
              tooltip=(Field("category", "Category"), Field("occurred_date", "Date")),
              kml=("category", "occurred_date"), hover=("category", "occurred_date")),
    LayerSpec("address_points", "Address points", "Pontos de endereço", "point",
              place_names=True),
    LayerSpec("street_pieces", "Street pieces (piece → segment)",
              "Trechos da camada de ruas (trecho → segmento)", "line"),
    LayerSpec("street_rejects", "Street features left out", "Feições de rua descartadas", None),
    LayerSpec("counts_by_category", "Incidents by segment and category",
              "Ocorrências por segmento e natureza", None),
    LayerSpec("counts_by_week", "Incidents by segment and week",
              "Ocorrências por segmento e semana", None),
    LayerSpec("weekly_counts", "Incidents per segment, week by week",
              "Ocorrências por segmento, semana a semana", None),
    LayerSpec("weekly_totals", "Incidents per week", "Ocorrências por semana", None),
    LayerSpec("rejects", "Records not used", "Registros não utilizados", None),
)}


def spec(name: str) -> LayerSpec:
    """The registry entry of layer ``name`` (an analyst-only, unstyled entry when unknown)."""
    return LAYERS.get(name) or LayerSpec(name, name, name, None)


def liaison_columns() -> dict[str, tuple[str, ...]]:
    """Allow-list of columns per layer a liaison may receive (layers not listed: none)."""
    return {n: s.liaison for n, s in LAYERS.items() if s.liaison is not None}
