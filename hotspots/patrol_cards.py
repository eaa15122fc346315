"""Patrol cards: one printable page per shift (pt/en) for a liaison without GIS.

Each card has a map of the shift's segments drawn from the data (numbered by rank, the streets
around them named), the list of segments with the cross streets at each end, the visit guidance
of the Koper curve (10–15 minute stops at unpredictable times, at least one every two hours)
and the near-repeat risk zones on the map when the run has them. The cards draw only the tables
they are given: the liaison folder passes the liaison tables (suppressed counts stay
suppressed), the analyst folder the analyst's.
"""

from __future__ import annotations

import base64
import functools
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import i18n
from hotspots import symbology as sym
from hotspots.export.files import write_text_atomic

__all__ = ["CardStreets", "ShiftMap", "card_streets", "cross_streets", "patrol_cards_html",
           "write_patrol_cards"]


@dataclass(frozen=True)
class CardStreets:
    """What the cards take from the street network: the cross streets of the patrol segments
    (``crosses``: index segment id, one row per id, columns street, cross_a, cross_b) and the
    street-name anchors of the maps (``labels``, :func:`hotspots.maps.base.label_anchors`).
    The analyst's and the liaison's cards show the same network: a run computes this once
    (:attr:`hotspots.pipeline.result.WeekResult.card_streets`) and gives it to both."""

    crosses: pd.DataFrame
    labels: tuple[pd.DataFrame, list[str]]

    def crosses_of(self, segment_ids) -> pd.DataFrame:
        """The cross streets of ``segment_ids`` in their order (ids not known: no names)."""
        return self.crosses.reindex(pd.Index(segment_ids), fill_value="")


@dataclass(frozen=True)
class ShiftMap:
    """A card's map and what it is drawn from besides the run's streets: the shift's
    segments and ranks, the risk zones near them, the colour and the language. The
    liaison's cards of a run show the analyst's shifts: a map that :meth:`fits` one of their
    shifts is given to them instead of being drawn again (:func:`patrol_cards_html`)."""

    rows: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame | None
    color: str
    lang: str
    png: bytes

    def fits(self, rows: gpd.GeoDataFrame, zones, color: str, lang: str) -> bool:
        """Whether this map is the one ``rows``, ``zones``, ``color`` and ``lang`` draw."""
        return (color == self.color and lang == self.lang
                and _same_geometry(rows, self.rows)
                and np.array_equal(rows["shift_rank"].to_numpy(dtype=float),
                                   self.rows["shift_rank"].to_numpy(dtype=float),
                                   equal_nan=True)
                and _same_geometry(zones, self.zones))


def _same_geometry(a, b) -> bool:
    """Equal geometries, row by row, in the same CRS (None and empty frames alike)."""
    if a is None or not len(a) or b is None or not len(b):
        return (a is None or not len(a)) and (b is None or not len(b))
    if len(a) != len(b) or a.crs != b.crs:
        return False
    return bool(shapely.equals_exact(a.geometry.to_numpy(), b.geometry.to_numpy(),
                                     tolerance=0.0).all())


def card_streets(segments: gpd.GeoDataFrame, segment_ids) -> CardStreets:
    """:class:`CardStreets` of the patrol segments ``segment_ids`` over ``segments``."""
    from hotspots.maps.base import label_anchors

    ids = pd.Index(segment_ids).unique()
    return CardStreets(cross_streets(segments, ids), label_anchors(segments, spacing_m=1e9))


def cross_streets(segments: gpd.GeoDataFrame, rows: pd.Index) -> pd.DataFrame:
    """The street and the first other named street met beyond each end of each segment of
    ``rows`` (segment ids), as the council sheet names its places
    (:func:`hotspots.planning.places.stretch_places`)."""
    from hotspots.planning.network import street_nodes
    from hotspots.planning.places import stretch_places

    pos = segments.index.get_indexer(rows)
    ok = pos >= 0
    ids = [f"p{i}" for i in range(len(rows))]
    out = pd.DataFrame({"street": "", "cross_a": "", "cross_b": ""}, index=ids)
    if not ok.any():
        return out.set_axis(rows)
    geoms = segments.geometry.to_numpy()
    pieces = pd.DataFrame({"project_id": np.asarray(ids, dtype=object)[ok],
                           "seg": pos[ok], "start_m": 0.0,
                           "end_m": shapely.length(geoms[pos[ok]])})
    geometries = gpd.GeoSeries(geoms[pos[ok]], index=pd.Index(pieces["project_id"],
                                                              name="project_id"),
                               crs=segments.crs)
    places = stretch_places(pieces, geometries, segments, street_nodes(segments))
    out.loc[places.index, ["street", "cross_a", "cross_b"]] = places[
        ["street", "cross_a", "cross_b"]].to_numpy()
    return out.set_axis(rows)


def _between(a: str, b: str, t) -> str:
    a, b = (a or "").strip(), (b or "").strip()
    if a and b and a != b:
        return t("between", a=a, b=b)
    if a or b:
        return t("near", a=a or b)
    return t("no_cross")


def _value(v, lang: str, k: int | None, suppressed: bool, withheld: bool = False) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        if withheld and k:  # withheld by the disclosure rules: it may itself be k or more
            return i18n.text("words.withheld_k", lang, k=k)
        return i18n.text("words.suppressed", lang, k=k) if (suppressed and k) else "–"
    return i18n.number(v, lang, digits=1)


@functools.cache
def _template():
    """The patrol cards' Jinja template, compiled once per process."""
    from jinja2 import Environment, select_autoescape

    env = Environment(autoescape=select_autoescape(default=True), trim_blocks=True,
                      lstrip_blocks=True)
    return env.from_string((resources.files("hotspots") / "templates"
                            / "patrol_cards.html.j2").read_text(encoding="utf-8"))


def patrol_cards_html(patrol: gpd.GeoDataFrame, segments: gpd.GeoDataFrame, *, language: str,
                      title: str, week: str | None = None, week_dates: str = "",
                      zones: gpd.GeoDataFrame | None = None, privacy_k: int | None = None,
                      run_date=None, streets: CardStreets | None = None,
                      maps: dict[str, ShiftMap] | None = None) -> str:
    """The patrol cards as one self-contained HTML page (one A4 page per shift).

    Parameters
    ----------
    patrol : GeoDataFrame
        The patrol table (``shift``, ``shift_rank``, ``segment_id``, ``street_name``,
        ``visits_per_shift``, ``visit_minutes``, ``incidents_per_week``…), analyst's or
        liaison's.
    segments : GeoDataFrame
        The street segments (geometry, ``street_name``), index ``segment_id``: the streets
        drawn around the shift and the cross streets.
    language, title : str
        'pt' or 'en'; the city's title.
    week, week_dates : str, optional
        The analysed week and its dates (None: an all-incidents run).
    zones : GeoDataFrame, optional
        Near-repeat risk segments (``active_until``, ``street_name``) to draw and list.
    privacy_k : int, optional
        Words the suppressed values of a liaison's table ("suppressed (fewer than k)").
    run_date : date, optional
        The run date of the footer (default: today).
    streets : CardStreets, optional
        The cross streets and street names of ``segments`` (:func:`card_streets`), when the
        run has them already (default: computed here).
    maps : dict, optional
        The maps of the run's other card set by shift (:class:`ShiftMap`): a shift's map
        that fits is used, not drawn again; the maps drawn here are added to it.
    """

    from hotspots.figures.patrol import shift_map_png
    from hotspots.prioritize import KOPER_REVISIT_H, KOPER_VISIT_MIN, parse_shift_window

    lang = i18n.language(language)
    t = i18n.translator(lang, "cards")
    run_date = i18n.date_text(run_date or pd.Timestamp.now().date(), lang)
    period = (t("period_week", week=week, dates=week_dates) if week else t("period_all"))
    cards = []
    shifts = _shift_order(patrol)
    colors = {s: sym.SHIFT_COLORS[i % len(sym.SHIFT_COLORS)] for i, s in enumerate(shifts)}
    has_ids = bool(len(patrol)) and "segment_id" in patrol.columns
    if streets is None and len(patrol):
        streets = card_streets(segments, patrol["segment_id"] if has_ids else [])
    crosses = streets.crosses_of(patrol["segment_id"]) if streets and has_ids else None
    labels = streets.labels if streets else None
    for shift in shifts:
        rows = patrol[patrol["shift"].astype(str).str.strip().str.lower() == shift.lower()]
        rows = rows.sort_values("shift_rank", kind="stable")
        sup = (sym.classes.is_true(rows["suppressed"]) if "suppressed" in rows.columns
               else np.zeros(len(rows), dtype=bool))
        withheld = (rows["incidents_status"].notna().to_numpy()  # the liaison's status
                    if "incidents_status" in rows.columns else np.zeros(len(rows), dtype=bool))
        items = []
        for j, (_, r) in enumerate(rows.iterrows()):
            street = str(r.get("street_name") or "") or i18n.text("words.unnamed_street", lang)
            cross = (crosses.iloc[patrol.index.get_loc(r.name)] if crosses is not None
                     else None)
            between = _between(cross["cross_a"], cross["cross_b"], t) if cross is not None \
                else t("no_cross")
            items.append({"rank": int(r["shift_rank"]), "street": street, "between": between,
                          "visits": i18n.number(r.get("visits_per_shift"), lang),
                          "minutes": str(r.get("visit_minutes") or ""),
                          "week": (_value(r.get("incidents_per_week"), lang, privacy_k,
                                          bool(sup[j]), bool(withheld[j]))
                                   if "incidents_per_week" in rows.columns else None)})
        try:
            a, b = parse_shift_window(shift.replace("–", "-"))
            window = f"{a:02d}:00–{b:02d}:00"
        except Exception:  # a shift label that is not a window: show it as it is
            window = shift
        visits = int(rows["visits_per_shift"].max()) if "visits_per_shift" in rows else 0
        local_zones = _zones_near(zones, rows, segments.crs)
        drawn = maps.get(shift) if maps is not None else None
        if drawn is not None and drawn.fits(rows, local_zones, colors[shift], lang):
            png = drawn.png
        else:
            png = shift_map_png(segments, rows, color=colors[shift], lang=lang,
                                zones=local_zones, labels=labels)
            if maps is not None:
                maps[shift] = ShiftMap(rows, local_zones, colors[shift], lang, png)
        alt = t("map_alt", n=len(rows)) + (t("zones_alt") if local_zones is not None
                                           and len(local_zones) else "")
        cards.append({
            "heading": t("heading", shift=shift),
            "sub": t("sub", title=title, period=period, n=len(rows)),
            "map": base64.b64encode(png).decode("ascii"), "alt": alt,
            "items": items, "has_week": items and items[0]["week"] is not None,
            "guidance": t("guidance", visits=visits, window=window, lo=KOPER_VISIT_MIN[0],
                          hi=KOPER_VISIT_MIN[1], every=i18n.number(KOPER_REVISIT_H, lang)),
            "zones": _zone_items(local_zones, lang, t),
            "zones_none": zones is not None and (local_zones is None or not len(local_zones)),
            "color": colors[shift],
        })
    template = _template()
    footer = (t("footer", top=privacy_k - 1, date=run_date) if privacy_k and privacy_k > 1
              else t("footer_analyst", date=run_date))
    return template.render(t=t, lang=lang, title=t("page_title", title=title), cards=cards,
                           footer=footer, html_lang="pt-BR" if lang == "pt" else "en")


def _shift_order(patrol: pd.DataFrame) -> list[str]:
    """Shifts in the order they appear, grouped case-insensitively (as the map's classes)."""
    seen: dict[str, str] = {}
    for v in patrol["shift"].astype(str).tolist() if len(patrol) else []:
        key = v.strip().lower()
        if key and key not in seen:
            seen[key] = v.strip()
    return list(seen.values())


def _zones_near(zones, rows, crs):
    if zones is None or not len(zones) or not len(rows):
        return None
    z = zones.to_crs(crs)
    area = shapely.box(*rows.to_crs(crs).total_bounds).buffer(400)
    return z[shapely.intersects(z.geometry.values, area)]


def _zone_items(zones, lang: str, t) -> list[str]:
    if zones is None or not len(zones):
        return []
    frame = zones.reset_index() if zones.index.name else zones
    out = []
    for _, r in frame.sort_values("active_until", ascending=False).head(10).iterrows():
        street = str(r.get("street_name") or "") or i18n.text("words.unnamed_street", lang)
        out.append(t("zone_item", street=street, date=i18n.date_text(str(r["active_until"]),
                                                                     lang)))
    return out


def write_patrol_cards(patrol: gpd.GeoDataFrame, segments: gpd.GeoDataFrame, path: str | Path,
                       **options) -> Path:
    """Write :func:`patrol_cards_html` to ``path`` (a temporary file, then moved in place)."""
    return write_text_atomic(path, patrol_cards_html(patrol, segments, **options))
