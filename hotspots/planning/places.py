"""Places a person can find: street and cross streets, house numbers, bairro and centre lat/lon."""

from __future__ import annotations

import math
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import crs as crs_mod
from hotspots.overlays import lighting as light_mod
from hotspots.planning.network import StreetNodes
from hotspots.segments import RANGE_COLUMNS

__all__ = ["PLACE_COLUMNS", "area_places", "project_geometries", "stretch_places"]

PLACE_COLUMNS = ["street", "cross_a", "cross_b", "house_from", "house_to", "bairro",
                 "bairro_source", "lat", "lon"]
_HOPS = 8  # how far along the same street to look for a cross street from a project's end
_ADDRESS_M = 30.0  # address points this close to a project give its house numbers
_BAIRRO_M = 150.0  # nearest address point within this distance gives the bairro


def _names(segments: gpd.GeoDataFrame) -> np.ndarray:
    if "street_name" not in segments.columns:
        return np.full(len(segments), "", dtype=object)
    return segments["street_name"].astype("string").fillna("").str.strip().to_numpy(object)


def project_geometries(pieces: pd.DataFrame, segments: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """MultiLineString of each project's dark pieces, indexed by project_id (analysis CRS)."""
    geoms = segments.geometry.to_numpy()
    lines = light_mod.line_substrings(geoms, pieces["seg"].to_numpy(np.int64),
                                      pieces["start_m"].to_numpy(float),
                                      pieces["end_m"].to_numpy(float))
    codes, ids = pd.factorize(pieces["project_id"], sort=True)
    order = np.argsort(codes, kind="stable")
    multi = (shapely.multilinestrings(lines[order], indices=codes[order]) if len(lines)
             else np.empty(0, object))
    return gpd.GeoSeries(multi, index=pd.Index(ids, name="project_id"), crs=segments.crs)


def _centres(geoms: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Middle point along each (multi)line — on the longest merged part — or inside a polygon."""
    arr = geoms.to_numpy()
    pts = np.empty(len(arr), dtype=object)
    poly = np.isin(shapely.get_type_id(arr), [3, 6])
    pts[poly] = shapely.point_on_surface(arr[poly])
    if (~poly).any():
        merged = shapely.line_merge(arr[~poly])
        parts, owner = shapely.get_parts(merged, return_index=True)
        plen = shapely.length(parts)
        order = np.lexsort((-plen, owner))
        first = np.r_[True, owner[order][1:] != owner[order][:-1]]
        longest = parts[order][first]
        pts[np.flatnonzero(~poly)[owner[order][first]]] = shapely.line_interpolate_point(
            longest, 0.5, normalized=True)
    lonlat = gpd.GeoSeries(pts, crs=geoms.crs).to_crs(crs_mod.WGS84)
    return pts, lonlat.y.to_numpy(), lonlat.x.to_numpy()


class _Network:
    """The node graph as plain Python lists: a walk along one street touches a handful of
    nodes, where list look-ups beat NumPy calls on tiny arrays."""

    def __init__(self, nodes: StreetNodes, keys: np.ndarray, names: np.ndarray):
        self.u, self.v = nodes.u.tolist(), nodes.v.tolist()
        self.xy = nodes.xy.tolist()
        self.keys, self.names = keys.tolist(), names.tolist()
        self.at: list[list[int]] = [[] for _ in range(nodes.n_nodes)]
        for s, (a, b) in enumerate(zip(self.u, self.v, strict=True)):
            self.at[a].append(s)
            if b != a:
                self.at[b].append(s)

    def other_end(self, seg: int, node: int) -> int:
        return self.v[seg] if self.u[seg] == node else self.u[seg]

    def cross(self, node: int, street: str, taken: set[int]) -> str:
        """First other street met from ``node``, walking away from the project along
        ``street`` (at most a few blocks; '' at a dead end or a fork of the same street)."""
        seen = set(taken)
        for _ in range(_HOPS):
            here = self.at[node]
            others = sorted({self.names[s] for s in here
                             if self.keys[s] != street and self.names[s]})
            if others:
                return " / ".join(others[:2])
            onward = [s for s in here if self.keys[s] == street and s not in seen]
            if len(onward) != 1:
                return ""
            seen.add(onward[0])
            node = self.other_end(onward[0], node)
        return ""

    def ends(self, segs: list[int]) -> tuple[int, int]:
        """The two end nodes of a chain of segments (farthest apart when it forks or loops)."""
        count: dict[int, int] = {}
        for s in segs:
            for k in (self.u[s], self.v[s]):
                count[k] = count.get(k, 0) + 1
        ends = [k for k, c in count.items() if c == 1] or list(count)
        if len(ends) == 1:
            return ends[0], ends[0]
        best, pair = -1.0, (ends[0], ends[1])
        for i, a in enumerate(ends):
            for b in ends[i + 1:]:
                d = math.dist(self.xy[a], self.xy[b])
                if d > best:
                    best, pair = d, (a, b)
        a, b = sorted(pair, key=lambda k: tuple(self.xy[k]))
        return a, b


def _numbers(text: pd.Series) -> np.ndarray:
    got = text.astype("string").str.extract(r"^\s*(\d+)", flags=re.ASCII)[0]
    return pd.to_numeric(got, errors="coerce").to_numpy(float)


def _house_ranges(pieces: pd.DataFrame, segments: gpd.GeoDataFrame, main: pd.Series,
                  keys: np.ndarray) -> pd.DataFrame:
    """Numbers from the segments' address ranges, interpolated at each piece's ends."""
    have = [c for c in RANGE_COLUMNS if c in segments.columns]
    out = pd.DataFrame({"house_from": np.nan, "house_to": np.nan}, index=main.index)
    if len(have) < 2 or len(pieces) == 0:
        return out
    seg = pieces["seg"].to_numpy(np.int64)
    on_main = keys[seg] == main.reindex(pieces["project_id"]).to_numpy()
    length = np.maximum(segments.geometry.length.to_numpy()[seg], 1e-9)
    fa, fb = pieces["start_m"].to_numpy() / length, pieces["end_m"].to_numpy() / length
    vals = []
    for lo, hi in (("from_left", "to_left"), ("from_right", "to_right")):
        if lo in have and hi in have:
            a = pd.to_numeric(segments[lo], errors="coerce").to_numpy(float)[seg]
            b = pd.to_numeric(segments[hi], errors="coerce").to_numpy(float)[seg]
            vals += [a + (b - a) * fa, a + (b - a) * fb]
    v = np.column_stack(vals)
    v[~on_main] = np.nan
    frame = pd.DataFrame({"project_id": pieces["project_id"].to_numpy(),
                          "lo": np.nanmin(np.where(np.isnan(v), np.inf, v), axis=1),
                          "hi": np.nanmax(np.where(np.isnan(v), -np.inf, v), axis=1)})
    agg = frame.groupby("project_id").agg(lo=("lo", "min"), hi=("hi", "max"))
    agg = agg.replace([np.inf, -np.inf], np.nan)
    out["house_from"] = np.round(agg["lo"].reindex(out.index)).to_numpy()
    out["house_to"] = np.round(agg["hi"].reindex(out.index)).to_numpy()
    return out


def _address_numbers(geoms: gpd.GeoSeries, main_names: np.ndarray,
                     address_points: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """House numbers of address points on the project's street within 30 m of it."""
    out = pd.DataFrame({"house_from": np.nan, "house_to": np.nan}, index=geoms.index)
    if address_points is None or not {"street", "housenumber"} <= set(address_points.columns):
        return out
    pts = address_points.geometry.to_numpy()
    gi, pi = shapely.STRtree(pts).query(geoms.to_numpy(), predicate="dwithin",
                                        distance=_ADDRESS_M)
    street = address_points["street"].astype("string").fillna("").str.strip().str.casefold()
    same = street.to_numpy(object)[pi] == np.asarray(main_names, dtype=object)[gi]
    num = _numbers(address_points["housenumber"])[pi]
    ok = same & np.isfinite(num)
    if not ok.any():
        return out
    agg = pd.DataFrame({"g": gi[ok], "n": num[ok]}).groupby("g")["n"].agg(["min", "max"])
    out.iloc[agg.index.to_numpy(), 0] = agg["min"].to_numpy()
    out.iloc[agg.index.to_numpy(), 1] = agg["max"].to_numpy()
    return out


def _bairros(centres: np.ndarray, seg_lists: list[np.ndarray], segments: gpd.GeoDataFrame,
             bairros: gpd.GeoDataFrame | None, address_points: gpd.GeoDataFrame | None,
             incidents: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """Bairro of each place and where it came from (polygons, segments, addresses, incidents)."""
    n = len(centres)
    name = np.full(n, "", dtype=object)
    source = np.full(n, "", dtype=object)

    def fill(values: np.ndarray, label: str) -> None:
        empty = (name == "") & pd.notna(values) & (pd.Series(values).astype(str).str.strip()
                                                   .ne("").to_numpy())
        name[empty] = np.asarray(values, dtype=object)[empty]
        source[empty] = label

    if bairros is not None and len(bairros):
        col = "bairro" if "bairro" in bairros.columns else "name"
        pi, bi = shapely.STRtree(bairros.geometry.to_numpy()).query(centres, predicate="within")
        vals = np.full(n, None, dtype=object)
        vals[pi] = bairros[col].astype("string").to_numpy(object)[bi]
        fill(vals, "bairros layer")

    owner = np.repeat(np.arange(n), [len(x) for x in seg_lists])
    segs = np.concatenate(seg_lists).astype(np.int64) if n else np.empty(0, np.int64)

    def mode(k: np.ndarray, values: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """Most frequent value per place (ties: alphabetical)."""
        vals = np.full(n, None, dtype=object)
        text = pd.Series(values, dtype="string").str.strip()
        ok = text.notna().to_numpy() & text.ne("").fillna(False).to_numpy()
        if ok.any():
            tab = pd.DataFrame({"k": k[ok], "v": text[ok].to_numpy(object), "w": weight[ok]})
            tab = tab.groupby(["k", "v"], sort=True)["w"].sum().reset_index()
            tab = tab.sort_values(["k", "w", "v"], ascending=[True, False, True])
            best = tab.drop_duplicates("k")
            vals[best["k"].to_numpy()] = best["v"].to_numpy()
        return vals

    if "bairro" in segments.columns:
        fill(mode(owner, segments["bairro"].to_numpy(object)[segs], np.ones(len(segs))),
             "segments")
    if address_points is not None and "bairro" in address_points.columns and len(address_points):
        ok = address_points[address_points["bairro"].notna()]
        ci, ai = shapely.STRtree(ok.geometry.to_numpy()).query_nearest(
            centres, max_distance=_BAIRRO_M, all_matches=False)
        vals = np.full(n, None, dtype=object)
        vals[ci] = ok["bairro"].astype("string").to_numpy(object)[ai]
        fill(vals, "address points")
    if incidents is not None and {"bairro", "segment_id"} <= set(incidents.columns):
        pos = segments.index.get_indexer(incidents["segment_id"])
        tab = pd.DataFrame({"seg": pos, "b": incidents["bairro"].astype("string")})
        tab = tab[(tab["seg"] >= 0) & tab["b"].notna()]
        per = tab.groupby(["seg", "b"]).size().rename("w").reset_index()
        link = pd.DataFrame({"k": owner, "seg": segs}).merge(per, on="seg")
        fill(mode(link["k"].to_numpy(), link["b"].to_numpy(object),
                  link["w"].to_numpy(float)), "incidents")
    return name, source


def stretch_places(
    pieces: pd.DataFrame,
    geometries: gpd.GeoSeries,
    segments: gpd.GeoDataFrame,
    nodes: StreetNodes,
    *,
    address_points: gpd.GeoDataFrame | None = None,
    bairros: gpd.GeoDataFrame | None = None,
    incidents: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Street, cross streets, house numbers, bairro and centre of each lighting project.

    Parameters
    ----------
    pieces : DataFrame
        project_id, seg (segment row), start_m, end_m of each project's dark pieces.
    geometries : GeoSeries
        Project geometries (:func:`project_geometries`), index project_id.
    segments, nodes
        Street segments (``street_name``, optional ``from_left/to_left/from_right/to_right``
        and ``bairro``) and their end nodes.
    address_points, bairros, incidents : optional
        Address points (``street``, ``housenumber``, ``bairro``; analysis CRS), bairro
        polygons (``bairro`` or ``name``) and incidents (``segment_id``, ``bairro``): sources
        of house numbers and bairros when the segments carry none.

    Returns
    -------
    DataFrame
        Index project_id; :data:`PLACE_COLUMNS`. ``street`` is the name covering most of the
        project; ``cross_a``/``cross_b`` the first other street met beyond each end of the
        project along it ('' at a dead end or where nothing is named); house numbers from the
        segments' address ranges (interpolated at the project's ends), else from address
        points of that street within 30 m; ``bairro_source`` says where the bairro came from.
    """
    names = _names(segments)
    keys = np.array([x.casefold() for x in names], dtype=object)
    length = pieces["end_m"].to_numpy() - pieces["start_m"].to_numpy()
    tab = pd.DataFrame({"project_id": pieces["project_id"].to_numpy(),
                        "key": keys[pieces["seg"].to_numpy(np.int64)],
                        "name": names[pieces["seg"].to_numpy(np.int64)], "len": length})
    named = tab[tab["key"] != ""]
    by_name = named.groupby(["project_id", "key"], sort=True)["len"].sum().reset_index()
    by_name = by_name.sort_values(["project_id", "len", "key"], ascending=[True, False, True])
    main_key = by_name.drop_duplicates("project_id").set_index("project_id")["key"]
    main_key = main_key.reindex(geometries.index).fillna("")
    display = dict(zip(zip(named["project_id"].tolist(), named["key"].tolist()),
                       named["name"].tolist(), strict=True))
    net = _Network(nodes, keys, names)
    order = np.argsort(pieces["project_id"].to_numpy(dtype=str), kind="stable")
    pid_sorted = pieces["project_id"].to_numpy(dtype=str)[order]
    cuts = np.flatnonzero(pid_sorted[1:] != pid_sorted[:-1]) + 1
    seg_sorted = pieces["seg"].to_numpy(np.int64)[order]
    seg_lists = {str(p): sorted(set(chunk.tolist())) for p, chunk in
                 zip(pid_sorted[np.r_[0, cuts]] if len(pid_sorted) else [],
                     np.split(seg_sorted, cuts) if len(pid_sorted) else [], strict=True)}
    main = dict(zip(main_key.index.tolist(), main_key.tolist(), strict=True))
    rows = []
    for pid in geometries.index.tolist():  # one pass per project: list and dict look-ups only
        segs = seg_lists[str(pid)]
        key = main[pid]
        chain = [s for s in segs if net.keys[s] == key] if key else segs
        a, b = net.ends(chain)
        taken = set(segs)
        rows.append((display.get((pid, key), "") if key else "", net.cross(a, key, taken),
                     net.cross(b, key, taken)))
    out = pd.DataFrame(rows, columns=["street", "cross_a", "cross_b"], index=geometries.index)
    houses = _house_ranges(pieces, segments, main_key, keys)
    from_points = _address_numbers(geometries, main_key.to_numpy(object), address_points)
    out["house_from"] = houses["house_from"].fillna(from_points["house_from"])
    out["house_to"] = houses["house_to"].fillna(from_points["house_to"])
    centres, lat, lon = _centres(geometries)
    out["bairro"], out["bairro_source"] = _bairros(
        centres, [np.asarray(seg_lists[str(p)], dtype=np.int64) for p in geometries.index.tolist()],
        segments, bairros, address_points,
        incidents)
    out["lat"], out["lon"] = lat, lon
    return out[PLACE_COLUMNS]


def area_places(
    areas: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame,
    *,
    address_points: gpd.GeoDataFrame | None = None,
    bairros: gpd.GeoDataFrame | None = None,
    incidents: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Street beside, bairro and centre (a point inside) of each green-area project.

    ``areas`` carries ``nearest_street`` (:func:`hotspots.planning.green.green_projects`);
    the result has :data:`PLACE_COLUMNS` (cross streets and house numbers empty).
    """
    out = pd.DataFrame(index=areas.index)
    out["street"] = areas["nearest_street"].to_numpy(object) if len(areas) else []
    out["cross_a"] = ""
    out["cross_b"] = ""
    out["house_from"] = np.nan
    out["house_to"] = np.nan
    if len(areas) == 0:
        for c in ("bairro", "bairro_source"):
            out[c] = pd.Series(dtype=object)
        out["lat"] = out["lon"] = pd.Series(dtype=float)
        return out[PLACE_COLUMNS]
    centres, lat, lon = _centres(areas.geometry)
    near = shapely.STRtree(segments.geometry.to_numpy()).query(
        areas.geometry.to_numpy(), predicate="dwithin", distance=30.0)
    seg_lists = [near[1][near[0] == k] for k in range(len(areas))]
    out["bairro"], out["bairro_source"] = _bairros(centres, seg_lists, segments, bairros,
                                                   address_points, incidents)
    out["lat"], out["lon"] = lat, lon
    return out[PLACE_COLUMNS]
