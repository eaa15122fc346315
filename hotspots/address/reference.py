"""The street reference of the geocoder, built once: named streets, bairros, CEPs and ranges.

A *name* is a distinct (street type, key, locality) triple; a *street* is a connected group of
segments sharing a name (two "Rua Um" in different bairros are two streets). Pieces of one name
closer than ``street_gap_m`` (a square or a dual carriageway in between) count as one street.
Everything here depends only on the reference, so :func:`hotspots.address.geocoder.prepare`
builds it once and every geocoding call reuses it.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rapidfuzz import fuzz, process
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from hotspots._errors import ValidationError
from hotspots.address.interpolate import LineCoords
from hotspots.address.match import NameIndex
from hotspots.address.names import normalize_bairro, normalize_street
from hotspots.numbering import RangeColumns, SideRanges, flag_overlaps, side_ranges

__all__ = ["NAME_ROLES", "StreetIndex", "compose_names", "offset_points"]

_NODE_GRID_M = 0.01
#: roles of separate name columns, in the order they are joined into one name
NAME_ROLES = ("type", "title", "preposition", "name", "locality")
#: bairro names at least this similar (rapidfuzz ratio) are the same bairro
BAIRRO_MIN_RATIO = 90.0


def compose_names(frame: pd.DataFrame, name_columns: Mapping[str, str] | None,
                  *, default: str = "street_name") -> np.ndarray:
    """One street name per row: ``street_name``, or the mapped type/title/preposition/name
    columns joined (a ``locality`` column becomes a " - LOCALITY" suffix)."""
    if not name_columns:
        if default not in frame.columns:
            raise ValidationError(f"segments have no {default!r} column; address geocoding needs "
                                  "street names (build_segments(name_column=...)) or "
                                  "name_columns = {type = ..., name = ...}")
        return frame[default].astype("string").fillna("").to_numpy(dtype=object)
    unknown = [r for r in name_columns if r not in NAME_ROLES]
    missing = [c for c in name_columns.values() if c not in frame.columns]
    if unknown or missing or "name" not in name_columns:
        raise ValidationError(
            "name_columns: " + "; ".join(
                ([f"unknown roles {unknown} (roles are {list(NAME_ROLES)})"] if unknown else [])
                + ([f"columns {missing} not in the segments (columns are "
                    f"{list(frame.columns)}; carry them with build_segments(keep_columns=...))"]
                   if missing else [])
                + (["the 'name' role is required"] if "name" not in name_columns else [])))
    parts = []
    for role in NAME_ROLES[:-1]:
        if role in name_columns:
            parts.append(frame[name_columns[role]].astype("string").fillna("").str.strip())
    text = parts[0]
    for p in parts[1:]:
        text = text.str.cat(p, sep=" ")
    text = text.str.replace(r"\s+", " ", regex=True).str.strip()
    if "locality" in name_columns:
        loc = frame[name_columns["locality"]].astype("string").fillna("").str.strip()
        text = text.where(loc == "", text + " - " + loc)
    return text.to_numpy(dtype=object)


def _digits(values) -> np.ndarray:
    s = pd.Series(np.asarray(values, dtype=object)).astype("string").fillna("")
    return s.str.replace(r"\D", "", regex=True).to_numpy(dtype=object)


class StreetIndex:
    """Segments grouped into named streets, with bairros, CEPs, centroids and range sides."""

    def __init__(
        self,
        segments: gpd.GeoDataFrame,
        *,
        name_columns: Mapping[str, str] | None = None,
        type_codes: Mapping[str, str] | None = None,
        bairro_column: str | None = None,
        cep_column: str | None = None,
        range_spec: RangeColumns | None = None,
        ceps: pd.DataFrame | None = None,
        street_gap_m: float = 30.0,
        min_score: float = 85.0,
    ):
        if segments.index.name != "segment_id":
            raise ValidationError(
                "segments must be indexed by 'segment_id' (use hotspots.segments.build_segments)")
        missing = [c for c in (bairro_column, cep_column) if c and c not in segments.columns]
        if missing:
            raise ValidationError(f"segment columns {missing} not found; columns are "
                                  f"{list(segments.columns)}")
        self.crs = segments.crs
        self.type_codes = dict(type_codes or {})
        self.ids = segments.index.to_numpy(dtype=np.int64)
        self.geoms = np.asarray(segments.geometry.values, dtype=object)
        self.lengths = shapely.length(self.geoms)
        self.coords = LineCoords(self.geoms)  # vertices, for compiled interpolation
        a = shapely.get_coordinates(shapely.get_point(self.geoms, 0))
        b = shapely.get_coordinates(shapely.get_point(self.geoms, -1))
        self.x0, self.y0, self.x1, self.y1 = a[:, 0], a[:, 1], b[:, 0], b[:, 1]
        # node id of each segment end (ends within 1 cm are one node)
        ends = np.round(np.vstack([a, b]) / _NODE_GRID_M).astype(np.int64)
        _, node = np.unique(ends, axis=0, return_inverse=True)
        node = node.ravel()
        self.node0, self.node1 = node[: len(a)], node[len(a):]
        mid = shapely.get_coordinates(shapely.line_interpolate_point(self.geoms, 0.5,
                                                                     normalized=True))
        self.mid_x, self.mid_y = mid[:, 0], mid[:, 1]
        raw = compose_names(segments, name_columns)
        self._names(raw, min_score)
        self.seg_street = self._components(street_gap_m)
        self.n_streets = int(self.seg_street.max(initial=-1)) + 1
        self._streets()
        self._places(segments, bairro_column, cep_column, ceps)
        self.range_spec = range_spec
        self.sides: SideRanges | None = None
        if range_spec is not None:
            self._ranges(segments, range_spec)

    # -- names ----------------------------------------------------------------------------------
    def _names(self, raw: np.ndarray, min_score: float) -> None:
        uniq, inv = np.unique(raw, return_inverse=True)
        parsed = [normalize_street(n, type_codes=self.type_codes) for n in uniq]
        table = pd.DataFrame({
            "text": [p.text for p in parsed], "street_type": [p.street_type for p in parsed],
            "key": [p.key for p in parsed], "short_key": [p.short_key for p in parsed],
            "locality": [p.locality for p in parsed], "original": uniq,
        })
        nk = table["street_type"] + "|" + table["key"] + "|" + table["locality"]
        codes, _ = pd.factorize(nk)
        names = table.assign(name_id=codes).drop_duplicates("name_id").set_index("name_id")
        self.names = names.sort_index()
        self.matcher = NameIndex(self.names["key"].to_numpy(), self.names["short_key"].to_numpy(),
                                 min_score=min_score)
        key_pos = {k: i for i, k in enumerate(self.matcher.keys)}
        self.names["key_index"] = [key_pos.get(k, -1) for k in self.names["key"]]
        seg_name = codes[inv].astype(np.int64)
        seg_name[self.names["key"].to_numpy()[seg_name] == ""] = -1
        self.seg_name = seg_name

    def _components(self, street_gap_m: float) -> np.ndarray:
        n = len(self.geoms)
        out = np.full(n, -1, dtype=np.int64)
        named = np.flatnonzero(self.seg_name >= 0)
        if not len(named):
            return out
        ends = np.round(np.vstack([np.column_stack([self.x0, self.y0])[named],
                                   np.column_stack([self.x1, self.y1])[named]])
                        / _NODE_GRID_M).astype(np.int64)
        keys = np.column_stack([np.concatenate([self.seg_name[named]] * 2), ends])
        _, node = np.unique(keys, axis=0, return_inverse=True)
        node = node.ravel()
        m = len(named)
        rows = np.concatenate([np.arange(m), np.arange(m)])
        graph = coo_matrix((np.ones(2 * m), (rows, m + node)), shape=(m + node.max() + 1,) * 2)
        _, labels = connected_components(graph, directed=False)
        comp = pd.factorize(labels[:m])[0]
        # join components of one name lying within street_gap_m of each other
        frame = pd.DataFrame({"comp": comp, "name": self.seg_name[named]})
        per_name = frame.groupby("name")["comp"].nunique()
        multi = np.flatnonzero(frame["name"].isin(per_name.index[per_name > 1]).to_numpy())
        if len(multi) and street_gap_m > 0:
            # segment pairs of one name, in different components, within the gap
            g = self.geoms[named[multi]]
            left, right = shapely.STRtree(g).query(g, predicate="dwithin", distance=street_gap_m)
            li, ri = multi[left], multi[right]
            keep = (comp[li] != comp[ri]) & (self.seg_name[named[li]] == self.seg_name[named[ri]])
            k = int(comp.max()) + 1
            g2 = coo_matrix((np.ones(int(keep.sum())), (comp[li[keep]], comp[ri[keep]])),
                            shape=(k, k))
            _, merged = connected_components(g2, directed=False)
            comp = merged[comp]
        out[named] = pd.factorize(comp)[0]
        return out

    def _streets(self) -> None:
        ok = self.seg_street >= 0
        st = pd.DataFrame({"street": self.seg_street[ok], "name": self.seg_name[ok],
                           "x": self.mid_x[ok], "y": self.mid_y[ok], "len": self.lengths[ok]})
        g = st.groupby("street", sort=True)
        self.street_name = g["name"].first().to_numpy()
        self.street_key = self.names["key_index"].to_numpy()[self.street_name]
        self.street_type = self.names["street_type"].to_numpy(dtype=object)[self.street_name]
        self.street_text = self.names["text"].to_numpy(dtype=object)[self.street_name]
        self.street_x = g["x"].mean().to_numpy()
        self.street_y = g["y"].mean().to_numpy()
        b = shapely.bounds(self.geoms[ok])
        bb = pd.DataFrame(b, columns=["x0", "y0", "x1", "y1"]).groupby(self.seg_street[ok])
        self.street_bounds = np.column_stack([bb["x0"].min(), bb["y0"].min(), bb["x1"].max(),
                                              bb["y1"].max()]) if ok.any() else np.zeros((0, 4))
        # key -> streets (CSR) for candidate generation
        order = np.argsort(self.street_key, kind="stable")
        self.key_street_order = order
        self.key_street_ptr = np.searchsorted(self.street_key[order],
                                              np.arange(len(self.matcher) + 1))
        # street -> segments (CSR)
        seg_order = np.argsort(self.seg_street, kind="stable")
        seg_order = seg_order[self.seg_street[seg_order] >= 0]
        self.street_seg_order = seg_order
        self.street_seg_ptr = np.searchsorted(self.seg_street[seg_order],
                                              np.arange(self.n_streets + 1))
        self._merged: dict[int, shapely.LineString] = {}

    def segments_of(self, street: int) -> np.ndarray:
        """Rows of the segments of one street."""
        return self.street_seg_order[self.street_seg_ptr[street]:self.street_seg_ptr[street + 1]]

    def streets_of_keys(self, key_index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each key (array), the streets carrying it: (position in the input, street)."""
        key_index = np.asarray(key_index, dtype=np.int64)
        ok = key_index >= 0
        start = np.where(ok, self.key_street_ptr[np.clip(key_index, 0, None)], 0)
        stop = np.where(ok, self.key_street_ptr[np.clip(key_index, 0, None) + 1], 0)
        count = stop - start
        pos = np.repeat(np.arange(len(key_index)), count)
        offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        return pos, self.key_street_order[np.repeat(start, count) + offset]

    # -- bairros and CEPs -----------------------------------------------------------------------
    def _places(self, segments, bairro_column, cep_column, ceps) -> None:
        ok = self.seg_street >= 0
        pairs_b = []
        if bairro_column:
            b = segments[bairro_column].map(normalize_bairro).to_numpy(dtype=object)
            pairs_b.append(pd.DataFrame({"street": self.seg_street[ok], "bairro": b[ok]}))
        loc = self.names["locality"].to_numpy(dtype=object)[self.street_name]
        pairs_b.append(pd.DataFrame({"street": np.arange(self.n_streets), "bairro": loc}))
        pairs_c = []
        if cep_column:
            c = _digits(segments[cep_column])
            pairs_c.append(pd.DataFrame({"street": self.seg_street[ok], "cep": c[ok]}))
        if ceps is not None:
            pairs_c.append(self._cep_table(ceps, pairs_b))
        self.seg_bairro = (segments[bairro_column].map(normalize_bairro).to_numpy(dtype=object)
                           if bairro_column else None)
        self.seg_cep = _digits(segments[cep_column]) if cep_column else None
        self._pairs_b, self._pairs_c = pairs_b, pairs_c
        self._set_places(pairs_b, pairs_c)

    def add_places(self, bairros: pd.DataFrame | None, ceps: pd.DataFrame | None) -> None:
        """Add (street, bairro) / (street, cep) pairs seen elsewhere (address points)."""
        if bairros is not None and len(bairros):
            self._pairs_b = [*self._pairs_b, bairros[["street", "bairro"]]]
        if ceps is not None and len(ceps):
            self._pairs_c = [*self._pairs_c, ceps[["street", "cep"]]]
        self._set_places(self._pairs_b, self._pairs_c)

    def _cep_table(self, ceps: pd.DataFrame, pairs_b) -> pd.DataFrame:
        """A CEP table (columns ``cep``, ``street``, optional ``bairro``) tied to streets."""
        missing = [c for c in ("cep", "street") if c not in ceps.columns]
        if missing:
            raise ValidationError(f"the CEP table lacks columns {missing}; it needs 'cep' and "
                                  f"'street' (and optionally 'bairro'); columns are "
                                  f"{list(ceps.columns)}")
        names = [normalize_street(s, type_codes=self.type_codes)
                 for s in ceps["street"].astype("string").fillna("")]
        keys = pd.Series([n.key for n in names])
        key_pos = {k: i for i, k in enumerate(self.matcher.keys)}
        kidx = keys.map(key_pos).fillna(-1).astype(np.int64).to_numpy()
        pos, street = self.streets_of_keys(kidx)
        table = pd.DataFrame({"row": pos, "street": street,
                              "cep": _digits(ceps["cep"])[pos]})
        if "bairro" in ceps.columns:
            table["bairro"] = ceps["bairro"].map(normalize_bairro).to_numpy(dtype=object)[pos]
            sb = pd.concat(pairs_b, ignore_index=True)
            known = set(zip(sb["street"], sb["bairro"]))
            has_b = set(sb.loc[sb["bairro"] != "", "street"])
            fit = [(s, b) in known or not b or s not in has_b
                   for s, b in zip(table["street"], table["bairro"])]
            table = table[np.asarray(fit, dtype=bool)]
        return table[["street", "cep"]]

    def _set_places(self, pairs_b, pairs_c) -> None:
        sb = pd.concat(pairs_b, ignore_index=True)
        sb = sb[sb["bairro"] != ""].drop_duplicates()
        self.bairro_vocab = np.array(sorted(set(sb["bairro"])), dtype=object)
        self._bairro_code = {b: i for i, b in enumerate(self.bairro_vocab)}
        codes = sb["bairro"].map(self._bairro_code).to_numpy(dtype=np.int64)
        self.street_bairro_set = np.unique(sb["street"].to_numpy(dtype=np.int64) * 1_000_003
                                           + codes)
        self.streets_with_bairro = np.unique(sb["street"].to_numpy(dtype=np.int64))
        # pieces of one street cut by a gap (same name, same bairros) are one place
        # order-free signature of each street's bairro set (random 64-bit value per bairro)
        rand = np.random.default_rng(0).integers(1, 2**63, size=len(self.bairro_vocab) + 1,
                                                 dtype=np.uint64)
        sig = np.zeros(self.n_streets, dtype=np.uint64)
        np.add.at(sig, sb["street"].to_numpy(dtype=np.int64), rand[codes])
        self.street_place = pd.factorize(pd.MultiIndex.from_arrays(
            [self.street_name, sig]))[0]
        # bairro centroids (from street centroids) for tie-break hints
        cx = pd.DataFrame({"b": codes, "x": self.street_x[sb["street"]],
                           "y": self.street_y[sb["street"]]}).groupby("b")[["x", "y"]].mean()
        self.bairro_x = np.full(len(self.bairro_vocab), np.nan)
        self.bairro_y = np.full(len(self.bairro_vocab), np.nan)
        self.bairro_x[cx.index] = cx["x"].to_numpy()
        self.bairro_y[cx.index] = cx["y"].to_numpy()
        sc = pd.concat(pairs_c, ignore_index=True) if pairs_c else pd.DataFrame(
            {"street": np.zeros(0, np.int64), "cep": np.zeros(0, object)})
        sc = sc[sc["cep"].str.len() == 8].drop_duplicates()
        cep = sc["cep"].astype(np.int64).to_numpy()
        st = sc["street"].to_numpy(dtype=np.int64)
        self.street_cep_set = np.unique(st * 100_000_000 + cep)
        self.street_cep5_set = np.unique(st * 100_000 + cep // 1000)
        self.streets_with_cep = np.unique(st)
        self.cep_count = len(np.unique(cep))

    def bairro_codes(self, bairros: np.ndarray) -> np.ndarray:
        """Reference bairro code of each bairro key (exact, else one similar enough), −1."""
        bairros = np.asarray(bairros, dtype=object)
        uniq, inv = np.unique(bairros, return_inverse=True)
        out = np.array([self._bairro_code.get(b, -1) for b in uniq], dtype=np.int64)
        todo = np.flatnonzero((out < 0) & (uniq != ""))
        if len(todo) and len(self.bairro_vocab):
            sim = process.cdist(uniq[todo].tolist(), self.bairro_vocab.tolist(),
                                scorer=fuzz.ratio, score_cutoff=BAIRRO_MIN_RATIO, workers=1)
            best = sim.max(axis=1)
            arg = sim.argmax(axis=1)
            unique_best = (sim >= best[:, None] - 1e-9).sum(axis=1) == 1
            hit = (best >= BAIRRO_MIN_RATIO) & unique_best
            out[todo[hit]] = arg[hit]
        return out[inv.ravel()]

    # -- ranges ---------------------------------------------------------------------------------
    def _ranges(self, segments: gpd.GeoDataFrame, spec: RangeColumns) -> None:
        values = segments[spec.names].reset_index(drop=True)
        sides: SideRanges = flag_overlaps(side_ranges(values, spec), self.seg_street)
        self.sides = sides
        street = self.seg_street[sides.seg]
        keep = (street >= 0) & ~sides.flags["missing"]
        order = np.flatnonzero(keep)[np.argsort(street[keep], kind="stable")]
        self.side_order = order
        self.side_ptr = np.searchsorted(street[order], np.arange(self.n_streets + 1))
        self.side_usable = sides.usable[order]
        lo, hi = sides.lo[order].copy(), sides.hi[order].copy()
        start, end = sides.start[order].copy(), sides.end[order].copy()
        # a flagged side is repaired from the other side of its block when that one is sound:
        # the other side's span shifted to the opposite parity (a 0/empty end keeps its known
        # end); without a sound other side it is used as written (0/empty ends: not at all)
        other = order ^ 1
        repair = ~sides.usable[order] & sides.usable[other]
        o_par = sides.parity[other].astype(float)
        shift = (1.0 - o_par) - o_par  # +1 from even to odd, −1 from odd to even
        rs = sides.start[other] + shift
        re_ = sides.end[other] + shift
        zero = sides.flags["zero_end"][order]
        known = np.where(np.isfinite(start) & (start > 0), start, end)
        near_s = np.abs(rs - known) <= np.abs(re_ - known)
        fix_s = np.where(zero, np.where(near_s, known, rs), rs)
        fix_e = np.where(zero, np.where(near_s, re_, known), re_)
        start = np.where(repair, fix_s, start)
        end = np.where(repair, fix_e, end)
        lo = np.where(repair, np.fmin(start, end), lo)
        hi = np.where(repair, np.fmax(start, end), hi)
        par = np.where(repair, 1 - sides.parity[other], sides.parity[order])
        unrepaired = zero & ~repair
        self.side_repairable = (~self.side_usable & ~unrepaired & np.isfinite(lo)
                                & np.isfinite(hi) & (hi > 0))
        self.side_seg = sides.seg[order].astype(np.int64)
        self.side_lo, self.side_hi = lo, hi
        self.side_start, self.side_end = start, end
        self.side_parity = np.where(sides.flags["mixed_parity"][order] & ~repair, -1,
                                    par).astype(np.int64)
        self.side_side = sides.side[order].astype(np.int64)
        self.side_is_even = np.array([n == "even" for n in sides.side_name[order]])
        self.range_counts = sides.counts()
        self.range_counts["sides"] = int(len(sides.seg) - sides.flags["missing"].sum())
        self.range_counts["invalid"] = int((~sides.usable & ~sides.flags["missing"]).sum())

    # -- geometry -----------------------------------------------------------------------------
    def street_line(self, street: int) -> shapely.LineString:
        """The street's centreline merged into one line (longest piece if it branches)."""
        if street not in self._merged:
            merged = shapely.line_merge(shapely.union_all(self.geoms[self.segments_of(street)]))
            if merged.geom_type != "LineString":
                parts = shapely.get_parts(merged)
                merged = parts[np.argmax(shapely.length(parts))]
            self._merged[street] = merged
        return self._merged[street]


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
