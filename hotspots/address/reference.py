"""Address references on the street network: named streets, address ranges, metric numbering, address points."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from hotspots._errors import ValidationError
from hotspots.address.match import StreetNames
from hotspots.address.normalize import normalize_bairro, normalize_street
from hotspots.segments import RANGE_COLUMNS

_NODE_GRID_M = 0.01


class StreetIndex:
    """Segments grouped into named streets (same name and connected), with their address ranges.

    A *name* is a distinct (street type, key) pair; a *street* is a connected group of segments
    sharing a name (two "Rua Um" in different bairros are two streets). Pieces of one name closer
    than ``street_gap_m`` (a square or a dual carriageway in between) count as one street.
    """

    def __init__(
        self,
        segments: gpd.GeoDataFrame,
        *,
        range_columns: tuple[str, str, str, str] | None = None,
        bairro_column: str | None = None,
        cep_column: str | None = None,
        street_gap_m: float = 30.0,
    ):
        if segments.index.name != "segment_id":
            raise ValidationError(
                "segments must be indexed by 'segment_id' (use hotspots.segments.build_segments)")
        if "street_name" not in segments.columns:
            raise ValidationError("segments have no 'street_name' column; address geocoding "
                                  "needs street names (build_segments(name_column=...))")
        self.crs = segments.crs
        self.ids = segments.index.to_numpy(dtype=np.int64)
        self.geoms = np.asarray(segments.geometry.values, dtype=object)
        self.lengths = shapely.length(self.geoms)
        names = segments["street_name"].astype("string").fillna("").to_numpy(dtype=object)
        uniq, inv = np.unique(names, return_inverse=True)
        parsed = [normalize_street(n) if n else None for n in uniq]
        self.name_table = pd.DataFrame({
            "text": [p.text if p else "" for p in parsed],
            "street_type": [p.street_type if p else "" for p in parsed],
            "key": [p.key if p else "" for p in parsed],
            "short_key": [p.short_key if p else "" for p in parsed],
        })
        # one name per distinct (type, key)
        nk = self.name_table["street_type"] + "|" + self.name_table["key"]
        name_codes, _ = pd.factorize(nk)
        self.names = (self.name_table.assign(name_id=name_codes)
                      .drop_duplicates("name_id").set_index("name_id").sort_index())
        self.names["original"] = pd.Series(uniq).groupby(name_codes).first()
        seg_name = name_codes[inv].astype(np.int64)
        seg_name[self.names["key"].to_numpy()[seg_name] == ""] = -1
        self.seg_name = seg_name
        self.matcher = StreetNames(self.names["key"].to_numpy(), self.names["short_key"].to_numpy())
        key_pos = {k: i for i, k in enumerate(self.matcher.keys)}
        self.names["key_index"] = [key_pos.get(k, -1) for k in self.names["key"]]
        self.seg_key = np.full(len(self.geoms), -1, dtype=np.int64)
        named = seg_name >= 0
        self.seg_key[named] = self.names["key_index"].to_numpy()[seg_name[named]]
        self.seg_street = self._components(street_gap_m)
        self.ranges = self._ranges(segments, range_columns)
        self.seg_bairro = (segments[bairro_column].map(normalize_bairro).to_numpy(dtype=object)
                           if bairro_column and bairro_column in segments.columns else None)
        self.seg_cep = (segments[cep_column].astype("string").fillna("").str.replace(
            r"\D", "", regex=True).to_numpy(dtype=object)
            if cep_column and cep_column in segments.columns else None)
        self._merged: dict[int, shapely.LineString] = {}
        self.street_bairros = pd.Series(dtype=object)
        if self.seg_bairro is not None:
            ok = self.seg_street >= 0
            self.street_bairros = pd.Series(self.seg_bairro[ok]).groupby(
                self.seg_street[ok]).agg(lambda s: frozenset(s) - {""})

    # -- construction ---------------------------------------------------------------------
    def _components(self, street_gap_m: float) -> np.ndarray:
        n = len(self.geoms)
        out = np.full(n, -1, dtype=np.int64)
        named = np.flatnonzero(self.seg_name >= 0)
        if not len(named):
            return out
        first = shapely.get_coordinates(shapely.get_point(self.geoms[named], 0))
        last = shapely.get_coordinates(shapely.get_point(self.geoms[named], -1))
        pts = np.round(np.vstack([first, last]) / _NODE_GRID_M).astype(np.int64)
        names2 = np.concatenate([self.seg_name[named]] * 2)
        keys = np.column_stack([names2, pts])
        _, node = np.unique(keys, axis=0, return_inverse=True)
        node = node.ravel()
        m = len(named)
        rows = np.concatenate([np.arange(m), np.arange(m)])
        graph = coo_matrix((np.ones(2 * m), (rows, m + node)), shape=(m + node.max() + 1,) * 2)
        _, labels = connected_components(graph, directed=False)
        comp = labels[:m]
        # join pieces of one name that lie within street_gap_m of each other
        frame = pd.DataFrame({"name": self.seg_name[named], "comp": comp})
        multi = frame.groupby("name")["comp"].nunique()
        parent = {c: c for c in np.unique(comp)}

        def find(c):
            while parent[c] != c:
                parent[c] = parent[parent[c]]
                c = parent[c]
            return c

        for name in multi.index[multi > 1]:
            sub = frame[frame["name"] == name]
            comps = np.unique(sub["comp"])
            unions = [shapely.union_all(self.geoms[named[sub.index[sub["comp"] == c]]])
                      for c in comps]
            for i in range(len(comps)):
                for j in range(i + 1, len(comps)):
                    if shapely.distance(unions[i], unions[j]) <= street_gap_m:
                        parent[find(comps[i])] = find(comps[j])
        roots = np.array([find(c) for c in comp])
        out[named] = pd.factorize(roots)[0]
        return out

    def _ranges(self, segments, range_columns):
        cols = range_columns or RANGE_COLUMNS
        if not all(c in segments.columns for c in cols):
            if range_columns:
                missing = [c for c in cols if c not in segments.columns]
                raise ValidationError(f"address range columns {missing} not in segments; columns "
                                      f"are {list(segments.columns)}")
            return None
        arr = np.column_stack([pd.to_numeric(segments[c], errors="coerce").to_numpy(dtype=float)
                               for c in cols])
        return arr if np.isfinite(arr).any() else None

    # -- queries ----------------------------------------------------------------------------
    def names_for_key(self, key_index: np.ndarray) -> pd.DataFrame:
        """All names (types) carrying each matched key: columns ``query``, ``name_id``, ``street_type``."""
        table = self.names.reset_index()[["name_id", "key_index", "street_type"]]
        q = pd.DataFrame({"query": np.arange(len(key_index)), "key_index": key_index})
        return q.merge(table, on="key_index", how="inner")

    def street_line(self, street: int) -> shapely.LineString:
        """The street's centreline merged into one line (longest piece if it branches)."""
        if street not in self._merged:
            merged = shapely.line_merge(shapely.union_all(self.geoms[self.seg_street == street]))
            if merged.geom_type != "LineString":
                parts = shapely.get_parts(merged)
                merged = parts[np.argmax(shapely.length(parts))]
            self._merged[street] = merged
        return self._merged[street]

    def street_of_segments(self) -> pd.DataFrame:
        """One row per (segment, street, name) for named segments."""
        ok = self.seg_street >= 0
        return pd.DataFrame({"seg": np.flatnonzero(ok), "street": self.seg_street[ok],
                             "name_id": self.seg_name[ok]})


def offset_points(lines: np.ndarray, position_m: np.ndarray, side: np.ndarray,
                  *, side_offset_m: float) -> np.ndarray:
    """Points at ``position_m`` along each line, moved ``side_offset_m`` to its left (+1) or right (−1)."""
    lines = np.asarray(lines, dtype=object)
    length = shapely.length(lines)
    pos = np.clip(position_m, 0.0, length)
    base = shapely.line_interpolate_point(lines, pos)
    step = np.minimum(0.5, length / 4)
    a = shapely.get_coordinates(shapely.line_interpolate_point(lines, np.clip(pos - step, 0, length)))
    b = shapely.get_coordinates(shapely.line_interpolate_point(lines, np.clip(pos + step, 0, length)))
    d = b - a
    norm = np.hypot(d[:, 0], d[:, 1])
    norm[norm == 0] = 1.0
    left = np.column_stack([-d[:, 1], d[:, 0]]) / norm[:, None]
    xy = shapely.get_coordinates(base) + left * (np.asarray(side, float) * side_offset_m)[:, None]
    return shapely.points(xy)


class AddressPoints:
    """Known addresses with coordinates (OSM addr:*, CNEFE), tied to a segment of their street.

    Each point's street is matched to the segment names like an incident's; the point is then
    attached to the nearest segment of that street within ``max_snap_m``. Several points of one
    address (entrances, shops) collapse to the one nearest their mean.
    """

    def __init__(
        self,
        points: gpd.GeoDataFrame,
        streets: StreetIndex,
        *,
        street_column: str = "street",
        number_column: str = "housenumber",
        bairro_column: str | None = "bairro",
        cep_column: str | None = "postcode",
        max_snap_m: float = 100.0,
        min_score: float = 85.0,
    ):
        missing = [c for c in (street_column, number_column) if c not in points.columns]
        if missing:
            raise ValidationError(f"address points lack columns {missing}; columns are "
                                  f"{list(points.columns)} (set street_column/number_column)")
        if points.crs is None:
            raise ValidationError("address points have no CRS; set it before geocoding")
        pts = points.to_crs(streets.crs) if points.crs != streets.crs else points
        geoms = np.asarray(pts.geometry.values, dtype=object)
        ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        ok &= shapely.get_type_id(geoms) == 0
        street_txt = pts[street_column].astype("string").fillna("").to_numpy(dtype=object)
        num_txt = pts[number_column].astype("string").fillna("").str.strip()
        num_parts = num_txt.str.extract(r"^(\d{1,6})\s*([A-Za-z]?)\b")
        number = pd.to_numeric(num_parts[0], errors="coerce").to_numpy()
        suffix = num_parts[1].fillna("").str.upper().to_numpy(dtype=object)
        ok &= np.isfinite(number)
        uniq, inv = np.unique(street_txt, return_inverse=True)
        parsed = [normalize_street(s) for s in uniq]
        m = streets.matcher.match([p.key for p in parsed], [p.short_key for p in parsed],
                                  min_score=min_score)
        key_idx = m.key_index[inv]
        ok &= key_idx >= 0
        self.n_input = len(points)
        idx = np.flatnonzero(ok)
        # nearest segment carrying the same key, within max_snap_m
        seg_key = streets.seg_key
        tree = shapely.STRtree(streets.geoms)
        pairs = tree.query(geoms[idx], predicate="dwithin", distance=max_snap_m)
        same = seg_key[pairs[1]] == key_idx[idx[pairs[0]]]
        p_i, s_i = pairs[0][same], pairs[1][same]
        dist = shapely.distance(geoms[idx[p_i]], streets.geoms[s_i])
        best = pd.DataFrame({"p": p_i, "s": s_i, "d": dist, "sid": streets.ids[s_i]}).sort_values(
            ["p", "d", "sid"], kind="stable").drop_duplicates("p")
        p_sel = idx[best["p"].to_numpy()]
        seg = best["s"].to_numpy()
        table = pd.DataFrame({
            "point": p_sel,
            "key_index": key_idx[p_sel],
            "street": streets.seg_street[seg],
            "number": number[p_sel].astype(np.int64),
            "suffix": suffix[p_sel],
            "seg": seg,
            "x": shapely.get_x(geoms[p_sel]),
            "y": shapely.get_y(geoms[p_sel]),
            "bairro": (pts[bairro_column].map(normalize_bairro).to_numpy(dtype=object)[p_sel]
                       if bairro_column and bairro_column in pts.columns else ""),
            "cep": (pts[cep_column].astype("string").fillna("").str.replace(r"\D", "", regex=True)
                    .to_numpy(dtype=object)[p_sel]
                    if cep_column and cep_column in pts.columns else ""),
        })
        self.n_usable = len(table)
        # one representative per address: the point nearest the mean of its group
        grp = ["key_index", "street", "number", "suffix"]
        mean = table.groupby(grp)[["x", "y"]].transform("mean")
        table["_d"] = np.hypot(table["x"] - mean["x"], table["y"] - mean["y"])
        rep = table.sort_values([*grp, "_d", "point"], kind="stable").drop_duplicates(grp)
        rep = rep.drop(columns="_d").reset_index(drop=True)
        rep["geometry"] = shapely.points(rep["x"].to_numpy(), rep["y"].to_numpy())
        rep["distance_m"] = shapely.distance(rep["geometry"].to_numpy(),
                                             streets.geoms[rep["seg"].to_numpy()])
        rep["position_m"] = shapely.line_locate_point(streets.geoms[rep["seg"].to_numpy()],
                                                      rep["geometry"].to_numpy())
        self.table = rep
        # bairros and CEPs seen on each street (for restricting ambiguous names)
        self.street_bairros = table.groupby("street")["bairro"].agg(lambda s: frozenset(s) - {""})
        self.street_ceps = table.groupby("street")["cep"].agg(lambda s: frozenset(s) - {""})
