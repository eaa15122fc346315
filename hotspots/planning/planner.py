"""Assembling a plan: evidence → projects → costs → exact selection → places → reasons."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import crs as crs_mod
from hotspots._errors import ValidationError, problems_message
from hotspots._settings import build_section
from hotspots.config.planning import PlanningSettings
from hotspots.overlays import green as green_mod
from hotspots.overlays import lighting as light_mod
from hotspots.planning import wording
from hotspots.planning.costs import project_costs
from hotspots.planning.evidence import Evidence, EvidenceWindow, evidence, poisson_interval
from hotspots.planning.green import GreenProjects, green_projects
from hotspots.planning.network import street_nodes
from hotspots.planning.places import area_places, project_geometries, stretch_places
from hotspots.planning.projects import LightingProjects, join_groups, lighting_projects, locate
from hotspots.planning.select import Selection, select

__all__ = ["LAYER_COLUMNS", "PROJECT_COLUMNS", "TEXT_COLUMNS", "Plan", "plan"]

#: columns of :attr:`Plan.projects` (besides geometry), in order
PROJECT_COLUMNS = [
    "kind", "budget_group", "rank", "funded", "must_fund", "status", "reason", "location",
    "what", "evidence", "expected_effect", "street", "cross_a", "cross_b", "house_from",
    "house_to", "bairro", "bairro_source", "lat", "lon", "length_m", "lamps_new",
    "lamps_repair", "lamp_ids", "segment_ids", "area_id", "area_m2", "adopted", "cost_lamps",
    "cost_network", "cost_repair", "cost_green", "cost", "value", "weighted", "incidents",
    "night_incidents", "unserved_incidents", "incidents_per_ha", "per_year", "per_year_low", "per_year_high", "value_per_year",
    "value_per_10k", "effect_low", "effect_high", "marginal_value", "budget_left",
]
#: texts written in each language (:attr:`Plan.texts`)
TEXT_COLUMNS = ["reason", "location", "what", "evidence", "expected_effect"]
#: columns of the funded-project layers (map, GeoPackage)
LAYER_COLUMNS = ["kind", "rank", "status", "reason", "location", "what", "bairro", "lat", "lon",
                 "length_m", "lamps_new", "lamps_repair", "area_m2", "cost", "value",
                 "incidents", "per_year", "effect_low", "effect_high"]
_KIND_ORDER = {"repair": 0, "new_lights": 1, "green": 2}


@dataclass(frozen=True)
class Plan:
    """A lighting / green-area plan: every project with its reason, the funded layers, totals."""

    projects: gpd.GeoDataFrame  #: index project_id; PROJECT_COLUMNS + geometry (analysis CRS)
    texts: Mapping[str, pd.DataFrame]  #: "en"/"pt" → TEXT_COLUMNS per project_id
    funded_lighting: gpd.GeoDataFrame  #: funded new lights and repairs (MultiLineString)
    funded_green: gpd.GeoDataFrame  #: funded green areas (polygons)
    repair_lamps: gpd.GeoDataFrame  #: broken lamps of the repair projects, with ``funded``
    totals: Mapping  #: budgets, spent, left, counts, solver, evidence window
    window: EvidenceWindow
    settings: PlanningSettings
    language: str  #: language of ``projects``' texts ("en" or "pt")
    streets: gpd.GeoSeries  #: the street segments (backdrop of the council sheet's map)
    dark_stretches: gpd.GeoSeries | None  #: every dark stretch (map backdrop)
    boundary: gpd.GeoDataFrame | None

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """The map / GeoPackage layers: funded lighting, funded green areas, lamps to repair."""
        return {"plan_lighting": self.funded_lighting, "plan_green": self.funded_green,
                "plan_repair_lamps": self.repair_lamps}


class _LazyTexts(Mapping):
    """The projects' texts per language, each written the first time it is asked for (a
    weekly run needs only its own language; the other is there for whoever asks)."""

    def __init__(self, make):
        self._make = make
        self._done: dict[str, pd.DataFrame] = {}

    def __getitem__(self, code: str) -> pd.DataFrame:
        if code not in wording.LANGUAGES:
            raise KeyError(code)
        if code not in self._done:
            self._done[code] = self._make(code)
        return self._done[code]

    def __iter__(self):
        return iter(wording.LANGUAGES)

    def __len__(self) -> int:
        return len(wording.LANGUAGES)


def _checked_settings(settings: PlanningSettings | None) -> PlanningSettings:
    settings = PlanningSettings() if settings is None else settings
    if not isinstance(settings, PlanningSettings):
        raise ValidationError(f"settings must be a PlanningSettings, got {type(settings).__name__}")
    data = {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)}
    checked, problems = build_section(PlanningSettings, data, section="planning")
    if problems:
        raise ValidationError(problems_message("planning: unusable settings", problems))
    return checked


def _same_crs(frame, segments, what: str, fix: str) -> None:
    if frame is not None and frame.crs is not None and not crs_mod.as_crs(frame.crs).equals(
            crs_mod.as_crs(segments.crs)):
        raise ValidationError(f"planning: {what} and segments are in different CRSs; {fix}")


def _inputs(segments, lamps, green_areas, address_points, bairros):
    if not isinstance(segments, gpd.GeoDataFrame) or segments.crs is None:
        raise ValidationError("planning: segments must be a GeoDataFrame with a CRS (the "
                              "output of hotspots.segments.build_segments)")
    crs_mod.require_metric(segments.crs, what="segments CRS")
    if segments.index.has_duplicates:
        raise ValidationError("planning: segments.index (segment_id) has duplicates "
                              f"(e.g. {segments.index[segments.index.duplicated()][0]})")
    if lamps is not None and "working" not in lamps.columns:
        lamps = light_mod.prepare_lamps(lamps, segments.crs)
    _same_crs(lamps, segments, "lamps", "pass them through prepare_lamps(lamps, segments.crs)")
    if green_areas is not None and not {"adopted", "area_m2"} <= set(green_areas.columns):
        green_areas = green_mod.prepare_green_areas(green_areas, segments.crs)
    _same_crs(green_areas, segments, "green areas",
              "pass them through prepare_green_areas(areas, segments.crs)")
    extra = []
    for layer in (address_points, bairros):
        extra.append(None if layer is None else crs_mod.to_analysis(
            layer, crs_mod.as_crs(segments.crs), source="planning"))
    return lamps, green_areas, *extra


def _lighting_frame(lp: LightingProjects, ev: Evidence, segments, nodes, gaps, places_kw,
                    must_ids: set):
    """Values, places and geometry of the lighting projects worth listing (value > 0 or on
    the must-fund list); the others are only counted."""
    night = ev.frame[ev.frame["night"]]
    seg = segments.index.get_indexer(night["segment_id"])
    where = locate(seg, night["position_m"].to_numpy(float), lp.pieces)
    hit = where >= 0
    pid = lp.pieces["project_id"].to_numpy()[where[hit]]
    counts = pd.Series(1, index=pid).groupby(level=0).sum()
    weights = pd.Series(night["weight"].to_numpy(float)[hit], index=pid).groupby(level=0).sum()
    frame = lp.projects.copy()
    frame["incidents"] = counts.reindex(frame.index, fill_value=0).astype(np.int64)
    frame["night_incidents"] = frame["incidents"]
    frame["value"] = weights.reindex(frame.index, fill_value=0.0)
    frame["weighted"] = frame["value"]
    frame["unserved_incidents"] = frame["incidents"]
    frame["incidents_per_ha"] = np.nan
    uniq = lp.pieces.drop_duplicates(["project_id", "segment_id"])
    code = frame.index.get_indexer(uniq["project_id"])
    frame["segment_ids"] = join_groups(code, uniq["segment_id"].astype(str).to_numpy(object),
                                       len(frame), sep=", ")
    frame["lamp_ids"] = [", ".join(str(x) for x in ids) for ids in frame["lamp_ids"]]
    dark_night = int(light_mod.on_dark_stretch(night["segment_id"], night["position_m"],
                                               gaps).sum()) if len(gaps) else 0
    stats = {"night_on_dark": int(hit.sum()), "night_on_dark_all": dark_night,
             "projects_without_incidents": int((frame["value"] <= 0).sum())}
    frame = frame[(frame["value"] > 0) | frame.index.isin(must_ids)]
    pieces = lp.pieces[lp.pieces["project_id"].isin(frame.index)]
    geoms = project_geometries(pieces, segments)
    places = stretch_places(pieces, geoms, segments, nodes, **places_kw)
    frame = frame.join(places)
    frame["budget_group"] = "lighting"
    frame["area_id"] = None
    frame["area_m2"] = np.nan
    frame["adopted"] = False
    frame["marginal_value"] = np.nan
    return gpd.GeoDataFrame(frame, geometry=geoms.reindex(frame.index).to_numpy(),
                            crs=segments.crs), stats


def _green_frame(gp: GreenProjects, segments, places_kw):
    frame = pd.DataFrame(gp.projects.drop(columns="geometry"))
    frame = frame.rename(columns={"kind": "area_kind"})
    frame["kind"] = "green"
    frame["budget_group"] = "green"
    frame["length_m"] = np.nan
    frame["lamps_new"] = 0
    frame["lamps_repair"] = 0
    frame["lamp_ids"] = ""
    frame["segment_ids"] = ""
    frame = frame.join(area_places(gp.projects, segments, **places_kw))
    return gpd.GeoDataFrame(frame, geometry=gp.projects.geometry.to_numpy(), crs=segments.crs)


def _must(settings, ids_light, ids_green, adopted_ids):
    wanted = [str(x).strip() for x in settings.must_fund]
    if not wanted:  # nothing to check (the project ids are thousands)
        return set()
    known = set(ids_light) | set(ids_green)
    problems = []
    unknown = [x for x in wanted if x not in known]
    if unknown:
        problems.append(f"must_fund names {unknown}, which are not projects of this plan (ids "
                        "such as L-…, R-… or G-<area_id> are in plan.csv; a project id changes "
                        "when its dark stretches change)")
    adopted = [x for x in wanted if x in adopted_ids]
    if adopted:
        problems.append(f"must_fund names {adopted}, green areas that are already adopted")
    if problems:
        raise ValidationError(problems_message("planning: unusable must-fund list", problems))
    return set(wanted)


def _groups(bairro: pd.Series) -> np.ndarray:
    text = bairro.fillna("").astype(str).str.strip()
    codes, _ = pd.factorize(text.where(text != ""), sort=True)
    return codes.astype(np.int64)


def _rank(frame: pd.DataFrame) -> np.ndarray:
    ratio = np.where(frame["cost"] > 0, frame["value"] / frame["cost"].where(frame["cost"] > 0, 1),
                     np.inf)
    order = np.lexsort((frame.index.to_numpy(dtype=str),
                        frame["kind"].map(_KIND_ORDER).to_numpy(), -frame["value"].to_numpy(),
                        -ratio))
    rank = np.empty(len(frame), dtype=np.int64)
    rank[order] = np.arange(1, len(frame) + 1)
    return rank


@dataclass(frozen=True)
class _GroupResult:
    rank: np.ndarray
    chosen: np.ndarray
    status: np.ndarray
    marginal: np.ndarray
    worth_min: float
    left: dict
    selection: Selection | None
    budgets: dict


def _select_group(frame: pd.DataFrame, gp: GreenProjects | None, *,
                  settings: PlanningSettings) -> _GroupResult:
    """Rank by value per cost, select exactly under the group's budgets, say why for each."""
    n = len(frame)
    must = frame["must_fund"].to_numpy(dtype=bool)
    cost = frame["cost"].to_numpy(float)
    if gp is None:
        new = (frame["kind"] == "new_lights").to_numpy()
        budgets = [(cost, settings.budget_brl),
                   (np.where(new, frame["length_m"].to_numpy(float), 0.0), settings.budget_m),
                   (np.where(new, frame["lamps_new"].to_numpy(float), 0.0),
                    settings.budget_lamps)]
        cover = weights = None
        fundable = np.ones(n, dtype=bool)
    else:
        budgets = [(cost, settings.green_budget_brl), (np.zeros(n), None), (np.zeros(n), None)]
        col = gp.projects.index.get_indexer(frame.index)
        cover = gp.cover[:, col] if len(col) else gp.cover[:, :0]
        weights = gp.cover_weights
        fundable = ~frame["adopted"].to_numpy(dtype=bool)
    rows = [(u[fundable], b) for u, b in budgets if b is not None]
    chosen = must.copy()
    sel = None
    if rows:
        idx = np.flatnonzero(fundable)
        group = (_groups(frame["bairro"])[idx] if settings.max_per_bairro is not None
                 else None)
        sel = select(frame["value"].to_numpy(float)[idx], uses=np.vstack([u for u, _ in rows]),
                     limits=np.array([float(b) for _, b in rows]), group=group,
                     max_per_group=settings.max_per_bairro, must=must[idx],
                     cover=None if cover is None else cover[:, idx], cover_weights=weights,
                     method=settings.solver, time_limit_s=settings.time_limit_s)
        chosen = np.zeros(n, dtype=bool)
        chosen[idx] = sel.chosen
    marginal = np.full(n, np.nan)
    if cover is not None:
        hit = (cover @ chosen.astype(float)) > 0
        marginal = cover.T @ np.where(hit, 0.0, weights)  # type: ignore[arg-type]
    status, worth_min, left = _status(frame, chosen, must, sel, budgets, settings=settings,
                                      marginal=None if cover is None else marginal)
    if gp is not None:
        adopted = frame["adopted"].to_numpy(dtype=bool)
        status[adopted] = "adopted"
        status[~adopted & ~chosen & (frame["value"].to_numpy() <= 0)] = "served"
    used = {name: float(u[chosen].sum()) for name, (u, b) in
            zip(("brl", "m", "lamps"), budgets, strict=True) if b is not None}
    return _GroupResult(rank=_rank(frame), chosen=chosen, status=status, marginal=marginal,
                        worth_min=worth_min, left=left, selection=sel,
                        budgets={"used": used, "limits": {
                            name: b for name, (_, b) in zip(("brl", "m", "lamps"), budgets,
                                                            strict=True)}})


def _group_totals(frame: pd.DataFrame, res: _GroupResult, settings, group: str) -> dict:
    """Budgets, spending and what the funded projects carry, for one budget group."""
    f = frame[res.chosen]
    sel = res.selection
    out = {
        "projects": len(frame), "funded": int(res.chosen.sum()),
        "budget_brl": res.budgets["limits"]["brl"], "spent_brl": float(f["cost"].sum()),
        "left_brl": res.left.get("brl"),
        "value_funded": float(f["value"].sum()), "value_listed": float(frame["value"].sum()),
        "incidents_funded": int(f["incidents"].sum()),
        "per_year_funded": float(f["per_year"].sum()),
        "solver": ("none (no budget given)" if sel is None else
                   ("exact (HiGHS MILP, proven optimal)" if sel.optimal else sel.note)),
        "objective": None if sel is None else sel.objective,
        "greedy_objective": None if sel is None else sel.greedy_objective,
        "bound": None if sel is None else sel.bound,
        "fixed_by_bounds": None if sel is None else sel.fixed,
    }
    if group == "lighting":
        out.update({
            "budget_m": res.budgets["limits"]["m"], "budget_lamps": res.budgets["limits"]["lamps"],
            "left_m": res.left.get("m"), "left_lamps": res.left.get("lamps"),
            "repairs_funded": int((f["kind"] == "repair").sum()),
            "new_lights_funded": int((f["kind"] == "new_lights").sum()),
            "lamps_new_funded": int(f["lamps_new"].sum()),
            "lamps_repair_funded": int(f["lamps_repair"].sum()),
            "metres_funded": float(f.loc[f["kind"] == "new_lights", "length_m"].sum()),
            "effect_low_funded": float(f["effect_low"].sum()),
            "effect_high_funded": float(f["effect_high"].sum()),
        })
    else:
        out.update({"area_m2_funded": float(f["area_m2"].sum()),
                    "adopted_listed": int(frame["adopted"].sum())})
    return out


def _assemble(frames: list, crs) -> gpd.GeoDataFrame:
    cols = [*PROJECT_COLUMNS, "name", "area_kind"]
    if not frames:  # no lighting input and no green areas: an empty, typed table
        frames = [gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in cols},
                                   geometry=gpd.GeoSeries([], crs=crs), crs=crs)]
        frames[0].index.name = "project_id"
    ready = []
    for frame in frames:
        for c in cols:
            if c not in frame.columns:
                frame[c] = np.nan if c not in ("name", "area_kind") else ""
        ready.append(frame)
    projects = pd.concat([f[[*cols, "geometry"]] for f in ready])
    projects = gpd.GeoDataFrame(projects, geometry="geometry", crs=crs)
    order = np.lexsort((projects.index.to_numpy(dtype=str), projects["rank"].to_numpy(),
                        (projects["budget_group"] == "green").to_numpy()))
    projects = projects.iloc[order]
    projects.index.name = "project_id"
    for c in ("name", "area_kind", "lamp_ids", "segment_ids", "street", "cross_a", "cross_b",
              "bairro", "bairro_source"):
        projects[c] = projects[c].fillna("").astype(str)
    projects["funded"] = projects["funded"].astype(bool)
    projects["must_fund"] = projects["must_fund"].astype(bool)
    projects["adopted"] = projects["adopted"].astype(bool)
    for c in ("rank", "lamps_new", "lamps_repair", "incidents", "night_incidents",
              "unserved_incidents"):
        projects[c] = projects[c].astype(np.int64)
    return projects


def _result(projects, texts, lp, totals, window, settings, lang, segments, gaps, boundary):
    funded = projects.loc[projects["funded"].to_numpy(dtype=bool)]
    is_green = (funded["kind"] == "green").to_numpy(dtype=bool)
    lighting = funded.loc[~is_green, [*LAYER_COLUMNS, "geometry"]]
    green = funded.loc[is_green, [*LAYER_COLUMNS, "geometry"]]
    if lp is not None:
        lamps = lp.repair_lamps.copy()
        lamps["funded"] = lamps["project_id"].map(projects["funded"]).fillna(False).astype(bool)
        lamps["listed"] = lamps["project_id"].isin(projects.index)
    else:
        lamps = gpd.GeoDataFrame({"project_id": [], "lamp_id": [], "funded": [], "listed": []},
                                 geometry=[], crs=segments.crs)
    dark = None if gaps is None or "geometry" not in getattr(gaps, "columns", []) else \
        gpd.GeoSeries(gaps.geometry.to_numpy(), crs=segments.crs)
    return Plan(projects=projects, texts=texts,
                funded_lighting=gpd.GeoDataFrame(lighting, geometry="geometry", crs=segments.crs),
                funded_green=gpd.GeoDataFrame(green, geometry="geometry", crs=segments.crs),
                repair_lamps=lamps, totals=totals, window=window, settings=settings,
                language=lang, streets=segments.geometry, dark_stretches=dark,
                boundary=boundary)


def _status(frame, chosen, must, sel: Selection | None, budgets, *, settings, marginal=None):
    # sel is None when no budget was given: everything not on the must-fund list is "ranked"
    """Status code per project (funded, funded_must, not_funded_*, ranked) and worth_min."""
    status = np.where(chosen, np.where(must, "funded_must", "funded"), "").astype(object)
    worth = frame["value_per_10k"].to_numpy(float)
    free = chosen & ~must
    worth_min = float(worth[free].min()) if free.any() else float("nan")
    active = [(u, b) for u, b in budgets if b is not None]
    if not active:
        status[~chosen] = "ranked"
        return status, worth_min, {}
    left = {}
    for name, (u, b) in zip(("brl", "m", "lamps"), budgets, strict=True):
        if b is not None:
            left[name] = float(b) - float(u[chosen].sum())
    cap = settings.max_per_bairro
    group = _groups(frame["bairro"])
    per_group = np.bincount(group[chosen & (group >= 0)],
                            minlength=max(int(group.max(initial=-1)) + 1, 1))
    tol = 1e-6
    for i in np.flatnonzero(~chosen):
        (u_brl, _), (u_m, _), (u_l, _) = budgets
        if "brl" in left and u_brl[i] > left["brl"] + tol:
            status[i] = ("not_funded_spent" if not np.isfinite(worth_min)
                         or worth[i] < worth_min else "not_funded_fit")
        elif "m" in left and u_m[i] > left["m"] + tol:
            status[i] = "not_funded_metres"
        elif "lamps" in left and u_l[i] > left["lamps"] + tol:
            status[i] = "not_funded_lamps"
        elif cap is not None and group[i] >= 0 and per_group[group[i]] >= cap:
            status[i] = "not_funded_cap"
        elif marginal is not None and marginal[i] <= 1e-12:
            status[i] = "not_funded_covered"
        else:
            status[i] = "not_funded_greedy"
    return status, worth_min, left


def _texts(frame: gpd.GeoDataFrame, window, settings, worth_min: dict, left: dict,
           lang: str) -> pd.DataFrame:
    """The five texts of every project in one language (a loop over projects: thousands)."""
    weighted = bool(settings.harm_weights) or settings.harm_default_weight != 1.0
    rows = []
    n_of = frame.groupby("budget_group")["rank"].transform("max")
    plain = pd.DataFrame(frame.drop(columns="geometry"))
    names = list(plain.columns)  # rows as dicts of Python values, as to_dict("records")
    records = [dict(zip(names, row)) for row in zip(*(plain[c].tolist() for c in names))]
    when = wording.window_phrase(window, lang)  # the same for every project
    for pid, r, of in zip(frame.index, records, n_of, strict=True):
        kind = r["kind"]
        if kind == "green":
            loc = wording.area_location(r["name"], r["area_kind"], r["street"], lang)
        else:
            loc = wording.location(r["street"], r["cross_a"], r["cross_b"], r["house_from"],
                                   r["house_to"], lang)
        what = wording.what(kind, lang, lamps_new=int(r["lamps_new"]),
                            length_m=float(r["length_m"] if kind != "green" else 0.0),
                            lamps_repair=int(r["lamps_repair"]), lamp_ids=r["lamp_ids"],
                            area_kind=r.get("area_kind", ""), area_m2=_num(r["area_m2"]))
        ev_text = wording.evidence(kind, lang, n=int(r["incidents"]),
                                   night=int(r["night_incidents"]), per_year=r["per_year"],
                                   low=r["per_year_low"], high=r["per_year_high"], window=window,
                                   radius_m=settings.walk_radius_m, when=when)
        effect = wording.effect(kind, lang, per_year=r["per_year"])
        partly = kind == "green" and r["value"] < r["weighted"] - 1e-9
        phrase = wording.value_phrase(
            kind, lang, cost=r["cost"],
            per_year=r["unserved_incidents"] * window.per_year if partly else r["per_year"],
            weighted_per_year=r["value_per_year"] if weighted else None,
            worth=r["value_per_10k"], lamps_repair=int(r["lamps_repair"]),
            area_m2=_num(r["area_m2"]), radius_m=settings.walk_radius_m,
            partly_served=partly)
        group = r["budget_group"]
        lft = left.get(group, {})
        need = {"not_funded_metres": r["length_m"], "not_funded_lamps": r["lamps_new"]}.get(
            r["status"], 0.0)
        left_v = {"not_funded_metres": lft.get("m", 0.0),
                  "not_funded_lamps": lft.get("lamps", 0.0)}.get(r["status"], 0.0)
        why = wording.reason(
            r["status"], lang, phrase=phrase if r["status"] != "ranked" else what,
            worth_min=worth_min.get(group, float("nan")), left_brl=lft.get("brl", float("nan")),
            need=need, left=left_v, bairro=r["bairro"], cap=settings.max_per_bairro or 0,
            rank=int(r["rank"]), of=int(of), per_year=r["per_year"],
            radius_m=settings.walk_radius_m)
        rows.append((pid, why, loc, what, ev_text, effect))
    out = pd.DataFrame(rows, columns=["project_id", *TEXT_COLUMNS]).set_index("project_id")
    out["location"] = wording.side_parts(out["location"].tolist(), frame["lat"].tolist(),
                                         frame["lon"].tolist(), lang)
    return out


def _num(value) -> float:
    """A number, 0 for missing values (NaN, None)."""
    return 0.0 if value is None or pd.isna(value) else float(value)


def _rates(frame: pd.DataFrame, window: EvidenceWindow, settings) -> None:
    lo, hi = poisson_interval(frame["incidents"].to_numpy(float), confidence=settings.confidence)
    f = window.per_year
    frame["per_year"] = frame["incidents"] * f
    frame["per_year_low"] = lo * f
    frame["per_year_high"] = hi * f
    frame["value_per_year"] = frame["value"] * f
    cost = frame["cost"].to_numpy(float)
    frame["value_per_10k"] = np.where(cost > 0, frame["value_per_year"] * 1e4 / np.where(
        cost > 0, cost, 1.0), np.inf)
    light = frame["kind"] != "green"
    frame["effect_low"] = np.where(light, wording.EFFECT_RANGE[0] * frame["per_year"], np.nan)
    frame["effect_high"] = np.where(light, wording.EFFECT_RANGE[1] * frame["per_year"], np.nan)


def plan(
    segments: gpd.GeoDataFrame,
    incidents: pd.DataFrame,
    *,
    lamps: gpd.GeoDataFrame | None = None,
    gaps: pd.DataFrame | None = None,
    green_areas: gpd.GeoDataFrame | None = None,
    boundary: gpd.GeoDataFrame | None = None,
    as_of: dt.date | str | pd.Timestamp | None = None,
    settings: PlanningSettings | None = None,
    language: str = "en",
    address_points: gpd.GeoDataFrame | None = None,
    bairros: gpd.GeoDataFrame | None = None,
) -> Plan:
    """Lighting and green-area projects, the best set under the budgets, and why for each one.

    Parameters
    ----------
    segments : GeoDataFrame
        Street segments (metric CRS, index ``segment_id``, ``street_name``; optional address
        ranges ``from_left/to_left/from_right/to_right`` and ``bairro``).
    incidents : DataFrame
        Geocoded incidents (index ``incident_id``; ``occurred_at`` tz-aware, ``category``,
        ``segment_id``, ``position_m``; optional ``bairro``). Pass every incident of at least
        the evidence window, not only the week's.
    lamps : GeoDataFrame, optional
        Lamp points (``status`` or ``working``; ``lamp_id``): broken lamps become repairs.
    gaps : DataFrame, optional
        Dark stretches from :func:`hotspots.overlays.lighting.lighting` with
        ``reach_m = settings.reach_m``; without them there are no lighting projects.
    green_areas : GeoDataFrame, optional
        Green-area polygons (``kind``, ``name``, ``adopted``).
    boundary : GeoDataFrame, optional
        City boundary (drawn on the council sheet's map).
    as_of : date, optional
        Last day of the evidence window; None = the day of the latest incident.
    settings : PlanningSettings, optional
    language : {"en", "pt", "pt-BR"}
        Language of ``projects``' texts (both languages are in :attr:`Plan.texts`).
    address_points, bairros : GeoDataFrame, optional
        House numbers / bairros when the segments carry none.

    Returns
    -------
    Plan
        ``projects`` lists every project with a night incident (lighting) or an incident
        within the walk (green) in the window, or on the must-fund list, ranked by value per
        R$ within its budget group; ``funded`` says whether the exact selection chose it and
        ``reason`` why (not). ``value`` is the objective: harm-weighted night incidents on the
        project's dark stretches (lighting) or harm-weighted incidents within the walk that no
        adopted area already reaches (green), in the window.
    """
    lang = wording.language_code(language)
    settings = _checked_settings(settings)
    lamps, green_areas, address_points, bairros = _inputs(segments, lamps, green_areas,
                                                          address_points, bairros)
    ev = evidence(incidents, segments, as_of=as_of, settings=settings)
    nodes = street_nodes(segments)
    places_kw = {"address_points": address_points, "bairros": bairros, "incidents": incidents}
    totals: dict = {"evidence": {**ev.counts, "start": ev.window.start.isoformat(),
                                 "end": ev.window.end.isoformat(), "weeks": ev.window.weeks,
                                 "covered_start": ev.window.covered_start.isoformat(),
                                 "covered_weeks": round(ev.window.covered_weeks, 2),
                                 "latitude": ev.latitude, "longitude": ev.longitude},
                    "example_costs": settings.example_costs_used()}
    parts, lp, gp = [], None, None
    if gaps is not None:
        lp = lighting_projects(segments, lamps, gaps, nodes, settings=settings)
    if green_areas is not None and len(green_areas):
        gp = green_projects(green_areas, segments, nodes, ev.frame, settings=settings)
    adopted_ids = set(gp.projects.index[gp.projects["adopted"]]) if gp is not None else set()
    must_ids = _must(settings, lp.projects.index if lp is not None else [],
                     gp.projects.index if gp is not None else [], adopted_ids)
    if lp is not None:
        light, stats = _lighting_frame(lp, ev, segments, nodes, gaps, places_kw, must_ids)
        totals["lighting_projects"] = {**lp.counts, **stats}
        parts.append(light)
    if gp is not None:
        parts.append(_green_frame(gp, segments, places_kw))
        totals["green_areas"] = dict(gp.counts)
    out, worth_min, left = [], {}, {}
    for frame in parts:
        green = bool(len(frame)) and frame["budget_group"].iloc[0] == "green"
        group = "green" if green else "lighting"
        frame = frame.copy()
        frame["must_fund"] = frame.index.isin(must_ids)
        listed = (frame["value"] > 0) | frame["must_fund"]
        if green:
            listed |= frame["adopted"] | (frame["weighted"] > 0)
        totals.setdefault("lighting_projects" if not green else "green_areas", {})[
            "listed"] = int(listed.sum())
        frame = frame[listed]
        frame = frame.join(project_costs(frame, settings=settings))
        _rates(frame, ev.window, settings)
        res = _select_group(frame, gp if green else None, settings=settings)
        frame["rank"] = res.rank
        frame["funded"] = res.chosen
        frame["status"] = res.status
        if green:
            frame["marginal_value"] = res.marginal
        frame["budget_left"] = res.left.get("brl", np.nan)
        worth_min[group], left[group] = res.worth_min, res.left
        totals[group] = _group_totals(frame, res, settings, group)
        out.append(frame)
    projects = _assemble(out, segments.crs)
    texts = _LazyTexts(lambda code: _texts(projects, ev.window, settings, worth_min, left, code))
    for col in TEXT_COLUMNS:
        projects[col] = texts[lang][col].reindex(projects.index)
    projects = projects[[*PROJECT_COLUMNS, "name", "area_kind", "geometry"]]
    return _result(projects, texts, lp, totals, ev.window, settings, lang, segments, gaps,
                   boundary)
