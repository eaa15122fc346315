"""The address geocoder: address rows in, incidents placed on segments (or rejected) out, with QA."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots._errors import ValidationError
from hotspots.address.intersections import meet
from hotspots.address.match import TYPE_MISMATCH_PENALTY
from hotspots.address.normalize import normalize_bairro, parse_addresses
from hotspots.address.qa import geocoding_qa
from hotspots.address.reference import AddressPoints, StreetIndex, offset_points
from hotspots.rejects import make_rejects

METHODS = ("address_point", "address_range", "metric_number")


class AddressGeocoder:
    """Callable ``(address_rows, segments) -> (geocoded, rejects)`` for ``geocode_incidents``.

    ``method`` is "auto" (address points, then address ranges on the segments), one of
    "address_point", "address_range", "metric_number", or a tuple of them tried in order.
    Numbers are placed ``side_offset_m`` off the centreline on their side (parity) and at
    least ``end_offset_fraction`` of the segment length from its ends. Addresses without a
    number ("s/n", "km 12") are rejected unless ``allow_street_only`` (then placed at the
    middle of the street as ``match_method="street_centroid"``, status
    ``matched_street_only``). After each call ``last_qa`` holds the QA summary.
    """

    def __init__(
        self,
        *,
        address_points: gpd.GeoDataFrame | None = None,
        points_street_column: str = "street",
        points_number_column: str = "housenumber",
        points_bairro_column: str | None = "bairro",
        points_cep_column: str | None = "postcode",
        method: str | tuple[str, ...] = "auto",
        min_score: float = 85.0,
        side_offset_m: float = 10.0,
        end_offset_fraction: float = 0.03,
        number_start: str | tuple[float, float] = "auto",
        even_side: str = "right",
        metric_tolerance_m: float = 30.0,
        allow_street_only: bool = False,
        street_gap_m: float = 30.0,
        intersection_max_gap_m: float = 25.0,
        same_address_max_m: float = 150.0,
        range_columns: tuple[str, str, str, str] | None = None,
        segment_bairro_column: str | None = None,
        segment_cep_column: str | None = None,
        address_column: str = "address",
        bairro_column: str = "bairro",
        cep_column: str = "cep",
        city_names: tuple[str, ...] = (),
    ):
        problems = []
        if method == "auto":
            methods: tuple[str, ...] = ("address_point", "address_range")
        else:
            methods = (method,) if isinstance(method, str) else tuple(method)
        bad = [m for m in methods if m not in METHODS]
        if bad:
            problems.append(f"method {bad!r}: use 'auto' or any of {METHODS}")
        if not 0 <= min_score <= 100:
            problems.append(f"min_score={min_score!r}: must be between 0 and 100")
        if not 0 <= end_offset_fraction < 0.5:
            problems.append(f"end_offset_fraction={end_offset_fraction!r}: must be in [0, 0.5)")
        if not np.isfinite(side_offset_m) or side_offset_m < 0:
            problems.append(f"side_offset_m={side_offset_m!r}: must be ≥ 0 metres")
        if even_side not in {"left", "right"}:
            problems.append(f"even_side={even_side!r}: use 'left' or 'right'")
        if not (isinstance(number_start, tuple) or number_start in {"auto", "first", "last"}):
            problems.append(f"number_start={number_start!r}: use 'auto' (end nearest the city "
                            "centre), 'first', 'last' (vertex of the merged line) or an (x, y)")
        if problems:
            raise ValidationError("AddressGeocoder: " + "; ".join(problems))
        self.methods = methods
        self.address_points = address_points
        self.points_options = dict(street_column=points_street_column,
                                   number_column=points_number_column,
                                   bairro_column=points_bairro_column,
                                   cep_column=points_cep_column)
        self.min_score = float(min_score)
        self.side_offset_m = float(side_offset_m)
        self.end_offset_fraction = float(end_offset_fraction)
        self.number_start = number_start
        self.even_side = even_side
        self.metric_tolerance_m = float(metric_tolerance_m)
        self.allow_street_only = allow_street_only
        self.street_gap_m = street_gap_m
        self.intersection_max_gap_m = intersection_max_gap_m
        self.same_address_max_m = float(same_address_max_m)
        self.range_columns = range_columns
        self.segment_bairro_column = segment_bairro_column
        self.segment_cep_column = segment_cep_column
        self.address_column = address_column
        self.bairro_column = bairro_column
        self.cep_column = cep_column
        self.city_names = tuple(city_names)
        self.last_qa: dict | None = None
        self._cache: tuple | None = None

    # -- references -------------------------------------------------------------------------
    def prepare(self, segments: gpd.GeoDataFrame) -> tuple[StreetIndex, AddressPoints | None]:
        """Build (once per segments frame) the street index and the address-point table."""
        if self._cache is not None and self._cache[0] is segments:
            return self._cache[1], self._cache[2]
        streets = StreetIndex(segments, range_columns=self.range_columns,
                              bairro_column=self.segment_bairro_column,
                              cep_column=self.segment_cep_column, street_gap_m=self.street_gap_m)
        points = None
        if self.address_points is not None and "address_point" in self.methods:
            points = AddressPoints(self.address_points, streets, min_score=self.min_score,
                                   **self.points_options)
        self._cache = (segments, streets, points)
        return streets, points

    # -- the call ---------------------------------------------------------------------------
    def __call__(self, rows: pd.DataFrame, segments: gpd.GeoDataFrame
                 ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
        if self.address_column not in rows.columns:
            raise ValidationError(f"address rows have no {self.address_column!r} column; "
                                  f"columns are {list(rows.columns)}")
        streets, points = self.prepare(segments)
        frame = rows.copy()
        if "source_row" not in frame.columns:
            frame["source_row"] = np.arange(len(frame))
        state = _State(len(frame))
        p = parse_addresses(frame[self.address_column].reset_index(drop=True),
                            city_names=self.city_names)
        bairro = p["bairro"].to_numpy(dtype=object)
        if self.bairro_column in frame.columns:
            given = frame[self.bairro_column].map(normalize_bairro).to_numpy(dtype=object)
            bairro = np.where(bairro == "", given, bairro)
        cep = p["cep"].to_numpy(dtype=object)
        if self.cep_column in frame.columns:
            given = frame[self.cep_column].astype("string").fillna("").str.replace(
                r"\D", "", regex=True).to_numpy(dtype=object)
            cep = np.where((cep == "") & (pd.Series(given).str.len().to_numpy() == 8), given, cep)
        problem = p["problem"].to_numpy(dtype=object)
        for reason in ("address_empty", "invalid_address", "invalid_number"):
            mask = problem == reason
            state.reject(mask, reason, np.where(mask, "address " + _quote(p["street_text"]), ""))
        # street names
        m = streets.matcher.match(p["street_key"].to_numpy(), p["street_short_key"].to_numpy(),
                                  min_score=self.min_score)
        score = m.score.copy()
        todo = state.open()
        state.reject(todo & (m.key_index < 0) & (m.score == 0), "street_not_found",
                     "no street like " + _quote(p["street_text"]))
        low_detail = ("best match scored " + pd.Series(np.round(m.score).astype(int)).astype(str)
                      + f" (minimum {self.min_score:g}) for " + _quote(p["street_text"]))
        state.reject(todo & (m.key_index < 0), "low_score", low_detail.to_numpy(dtype=object))
        state.reject(todo & (m.ties > 1), "ambiguous_street",
                     "several streets match " + _quote(p["street_text"]) + " equally well")
        # type: a written type that no street of that key carries costs a few points
        known_types = streets.names.groupby("key_index")["street_type"].agg(frozenset).to_dict()
        qtype = p["street_type"].to_numpy(dtype=object)
        has = [(t == "" or k < 0 or t in known_types.get(k, frozenset()))
               for t, k in zip(qtype, m.key_index)]
        score = np.where(np.asarray(has), score, score - TYPE_MISMATCH_PENALTY)
        state.score = score
        inter = state.open() & (p["cross_key"].to_numpy(dtype=object) != "")
        if inter.any():
            self._intersections(inter, p, m.key_index, bairro, streets, points, state)
        numbered = state.open() & (p["number_kind"].to_numpy() == "number")
        number = p["number"].fillna(0).to_numpy(dtype=np.int64)
        suffix = p["number_suffix"].to_numpy(dtype=object)
        for method in self.methods:
            todo = state.open() & numbered
            if not todo.any():
                break
            if method == "address_point" and points is not None:
                self._by_points(todo, m.key_index, number, suffix, bairro, cep, points, streets,
                                state)
            elif method == "address_range" and streets.ranges is not None:
                self._by_ranges(todo, m.key_index, qtype, number, bairro, streets, points, state)
            elif method == "metric_number":
                self._by_metric(todo, m.key_index, qtype, number, bairro, streets, points, state)
        todo = state.open() & numbered
        usable = ((points is not None and "address_point" in self.methods)
                  or (streets.ranges is not None and "address_range" in self.methods)
                  or "metric_number" in self.methods)
        if not usable:
            state.reject(todo, "address_unavailable",
                         "no address reference: give address points, address ranges on the "
                         "segments or method='metric_number'")
        state.reject(todo, "number_out_of_range",
                     "number " + pd.Series(number).astype(str).to_numpy(dtype=object)
                     + " not found on " + _quote(p["street_text"]))
        todo = state.open()
        if todo.any() and self.allow_street_only:
            self._street_only(todo, m.key_index, qtype, bairro, streets, points, state)
        todo = state.open()
        kind = p["number_kind"].to_numpy(dtype=object)
        state.reject(todo, "no_house_number",
                     np.where(kind == "km", "kilometre marker only", "no house number (s/n)"))
        geocoded = state.geocoded(frame, streets)
        rejects = state.rejects_frame(frame)
        self.last_qa = geocoding_qa(
            method=state.method, status=state.status, score=state.score, reason=state.reason,
            placed=state.seg >= 0, street_text=p["street_text"].to_numpy(dtype=object))
        return geocoded, rejects

    # -- methods ----------------------------------------------------------------------------
    def _candidate_streets(self, rows, key_index, qtype, bairro, streets, points):
        """(row, street) pairs: the streets of the matched key, narrowed by type and bairro."""
        names = streets.names.reset_index()[["name_id", "key_index", "street_type"]]
        q = pd.DataFrame({"row": rows, "key_index": key_index[rows], "qtype": qtype[rows],
                          "bairro": bairro[rows]})
        pairs = q.merge(names, on="key_index").merge(
            streets.street_of_segments()[["name_id", "street"]].drop_duplicates(), on="name_id")
        same_type = pairs["street_type"] == pairs["qtype"]
        any_same = same_type.groupby(pairs["row"]).transform("any")
        pairs = pairs[same_type | ~any_same]
        sb = streets.street_bairros
        if points is not None and len(points.street_bairros):
            sb = points.street_bairros if not len(sb) else pd.Series(
                {k: sb.get(k, frozenset()) | points.street_bairros.get(k, frozenset())
                 for k in set(sb.index) | set(points.street_bairros.index)})
        if len(sb):
            in_b = [b != "" and b in sb.get(s, frozenset()) for s, b in
                    zip(pairs["street"], pairs["bairro"])]
            in_b = pd.Series(in_b, index=pairs.index)
            any_b = in_b.groupby(pairs["row"]).transform("any")
            pairs = pairs[in_b | ~any_b]
        return pairs[["row", "street"]].drop_duplicates()

    def _by_points(self, todo, key_index, number, suffix, bairro, cep, points, streets, state):
        rows = np.flatnonzero(todo)
        q = pd.DataFrame({"row": rows, "key_index": key_index[rows], "number": number[rows],
                          "suffix": suffix[rows], "qb": bairro[rows], "qc": cep[rows]})
        t = points.table
        exact = q.merge(t, on=["key_index", "number", "suffix"])
        rest = q[~q["row"].isin(exact["row"])]
        anysfx = rest.drop(columns="suffix").merge(
            t.sort_values(["suffix", "point"]), on=["key_index", "number"])
        hits = pd.concat([exact, anysfx], ignore_index=True)
        # where the number exists on several streets of that name, keep the bairro's / CEP's
        for col, qcol in (("bairro", "qb"), ("cep", "qc")):
            ok = (hits[qcol] != "") & (hits[col] == hits[qcol])
            any_ok = ok.groupby(hits["row"]).transform("any")
            hits = hits[ok | ~any_ok]
        g = hits.groupby("row")
        nstreets = g["street"].transform("nunique")
        spread = np.hypot(g["x"].transform("max") - g["x"].transform("min"),
                          g["y"].transform("max") - g["y"].transform("min"))
        # one address whose points sit on two pieces of a street close together: a tie
        far = (nstreets > 1) & (spread > self.same_address_max_m)
        amb = hits.loc[far, "row"].unique()
        if len(amb):
            mask = np.zeros(state.n, bool)
            mask[amb] = True
            state.reject(mask, "ambiguous_street",
                         "this number exists on several streets of that name; give the bairro")
        hits = hits[~far]
        g = hits.groupby("row")
        d = np.hypot(hits["x"] - g["x"].transform("mean"), hits["y"] - g["y"].transform("mean"))
        tie = (g["street"].transform("nunique") > 1).to_numpy()
        hits = hits.assign(_d=np.where(tie, d, 0.0), tie=tie)
        hits = hits.sort_values(["row", "_d", "suffix", "point"]).drop_duplicates("row")
        r = hits["row"].to_numpy()
        state.place(r, seg=hits["seg"].to_numpy(), position_m=hits["position_m"].to_numpy(),
                    geometry=hits["geometry"].to_numpy(), method="address_point",
                    status=np.where(hits["tie"].to_numpy(), "matched_tie", "matched"),
                    streets=streets)

    def _by_ranges(self, todo, key_index, qtype, number, bairro, streets, points, state):
        rows = np.flatnonzero(todo)
        cand = self._candidate_streets(rows, key_index, qtype, bairro, streets, points)
        segs = pd.DataFrame({"street": streets.seg_street, "seg": np.arange(len(streets.geoms))})
        pairs = cand.merge(segs[segs["street"] >= 0], on="street")
        rng = streets.ranges[pairs["seg"].to_numpy()]
        n = number[pairs["row"].to_numpy()].astype(float)
        best_side = np.zeros(len(pairs))
        frac = np.full(len(pairs), np.nan)
        for side, (a, b) in ((1.0, (0, 1)), (-1.0, (2, 3))):  # left, right
            lo, hi = rng[:, a], rng[:, b]
            inside = (n >= np.fmin(lo, hi)) & (n <= np.fmax(lo, hi))
            parity_ok = ~((lo % 2 == hi % 2) & (lo % 2 != n % 2))
            ok = inside & parity_ok & np.isnan(frac)
            span = hi - lo
            f = np.where(span == 0, 0.5, (n - lo) / np.where(span == 0, 1, span))
            frac = np.where(ok, f, frac)
            best_side = np.where(ok, side, best_side)
        pairs = pairs.assign(frac=frac, side=best_side, sid=streets.ids[pairs["seg"].to_numpy()])
        pairs = pairs[np.isfinite(frac)]
        pairs = _single_street(pairs, state,
                               "this number is in range on several streets of that name")
        nseg = pairs.groupby("row")["seg"].transform("size")
        pairs = pairs.assign(tie=nseg > 1).sort_values(["row", "sid"]).drop_duplicates("row")
        seg = pairs["seg"].to_numpy()
        length = streets.lengths[seg]
        e = self.end_offset_fraction
        pos = length * (e + pairs["frac"].to_numpy() * (1 - 2 * e))
        geom = offset_points(streets.geoms[seg], pos, pairs["side"].to_numpy(),
                             side_offset_m=self.side_offset_m)
        state.place(pairs["row"].to_numpy(), seg=seg, position_m=pos, geometry=geom,
                    method="address_range",
                    status=np.where(pairs["tie"].to_numpy(), "matched_tie", "matched"),
                    streets=streets)

    def _street_axes(self, street_ids, streets):
        """Merged line per street, oriented so that it starts where numbering starts."""
        lines = []
        for s in street_ids:
            line = streets.street_line(int(s))
            if self.number_start == "last":
                line = shapely.reverse(line)
            elif self.number_start != "first":
                if isinstance(self.number_start, tuple):
                    origin = shapely.Point(self.number_start)
                else:
                    origin = self._centre(streets)
                a, b = shapely.get_point(line, 0), shapely.get_point(line, -1)
                if shapely.distance(b, origin) < shapely.distance(a, origin):
                    line = shapely.reverse(line)
            lines.append(line)
        return np.array(lines, dtype=object)

    def _centre(self, streets):
        if not hasattr(self, "_centre_pt") or self._centre_pt[0] is not streets:
            box = shapely.bounds(shapely.union_all(streets.geoms))
            self._centre_pt = (streets, shapely.Point((box[0] + box[2]) / 2, (box[1] + box[3]) / 2))
        return self._centre_pt[1]

    def _by_metric(self, todo, key_index, qtype, number, bairro, streets, points, state):
        rows = np.flatnonzero(todo)
        cand = self._candidate_streets(rows, key_index, qtype, bairro, streets, points)
        ust = cand["street"].unique()
        axes = dict(zip(ust, self._street_axes(ust, streets)))
        length = np.array([axes[s].length for s in cand["street"]])
        n = number[cand["row"].to_numpy()].astype(float)
        cand = cand[n <= length + self.metric_tolerance_m]
        cand = _single_street(cand, state,
                              "several streets of that name are long enough for this number")
        r = cand["row"].to_numpy()
        lines = np.array([axes[s] for s in cand["street"]], dtype=object)
        total = shapely.length(lines)
        end = np.minimum(self.end_offset_fraction * total, 15.0)
        d = np.clip(number[r].astype(float), end, total - end)
        even = number[r] % 2 == 0
        even_sign = -1.0 if self.even_side == "right" else 1.0
        side = np.where(even, even_sign, -even_sign)
        geom = offset_points(lines, d, side, side_offset_m=self.side_offset_m)
        on_axis = shapely.line_interpolate_point(lines, d)
        seg = _segment_at(on_axis, cand["street"].to_numpy(), streets)
        pos = shapely.line_locate_point(streets.geoms[seg], on_axis)
        state.place(r, seg=seg, position_m=pos, geometry=geom, method="metric_number",
                    status="matched", streets=streets)

    def _street_only(self, todo, key_index, qtype, bairro, streets, points, state):
        rows = np.flatnonzero(todo & (key_index >= 0))
        cand = self._candidate_streets(rows, key_index, qtype, bairro, streets, points)
        nst = cand.groupby("row")["street"].transform("nunique")
        amb = cand.loc[nst > 1, "row"].unique()
        if len(amb):
            mask = np.zeros(state.n, bool)
            mask[amb] = True
            state.reject(mask, "ambiguous_street", "several streets of that name; no number")
        cand = cand[nst == 1]
        lines = np.array([streets.street_line(int(s)) for s in cand["street"]], dtype=object)
        mid = shapely.line_interpolate_point(lines, 0.5, normalized=True)
        seg = _segment_at(mid, cand["street"].to_numpy(), streets)
        pos = shapely.line_locate_point(streets.geoms[seg], mid)
        state.place(cand["row"].to_numpy(), seg=seg, position_m=pos, geometry=mid,
                    method="street_centroid", status="matched_street_only", streets=streets)

    def _intersections(self, inter, p, key_index, bairro, streets, points, state):
        rows = np.flatnonzero(inter)
        cm = streets.matcher.match(p["cross_key"].to_numpy()[rows],
                                   p["cross_short_key"].to_numpy()[rows], min_score=self.min_score)
        bad = cm.key_index < 0
        mask = np.zeros(state.n, bool)
        mask[rows[bad]] = True
        state.reject(mask, "street_not_found",
                     "second street " + _quote(p["cross_text"]) + " of the intersection not found")
        centres = {}
        if points is not None:
            centres = points.table.groupby("bairro")[["x", "y"]].mean()
            centres = {b: (r.x, r.y) for b, r in centres.iterrows() if b}
        cache: dict = {}
        for r, kb, sb in zip(rows[~bad], cm.key_index[~bad], cm.score[~bad]):
            ka = int(key_index[r])
            ref = centres.get(bairro[r])
            k = (ka, int(kb), ref)
            if k not in cache:
                cache[k] = meet(streets, ka, int(kb), reference_xy=ref,
                                max_gap_m=self.intersection_max_gap_m)
            mt = cache[k]
            one = np.zeros(state.n, bool)
            one[r] = True
            if mt.seg < 0:
                state.reject(one, "intersection_not_found", mt.detail)
                continue
            state.score[r] = min(state.score[r], sb) - mt.penalty
            state.place(np.array([r]), seg=np.array([mt.seg]), position_m=np.array([mt.position_m]),
                        geometry=np.array([mt.point], dtype=object), method="intersection",
                        status="matched_tie" if mt.n_nodes > 1 else "matched", streets=streets)


def _segment_at(points, street, streets):
    """Segment of ``street`` nearest each point (points lie on the street's axis)."""
    tree = shapely.STRtree(streets.geoms)
    pairs, dist = tree.query_nearest(points, all_matches=True, return_distance=True,
                                     max_distance=1e6)
    frame = pd.DataFrame({"p": pairs[0], "s": pairs[1], "d": dist})
    frame = frame[streets.seg_street[frame["s"].to_numpy()] == street[frame["p"].to_numpy()]]
    out = np.full(len(points), -1, dtype=np.int64)
    if len(frame):
        frame = frame.assign(sid=streets.ids[frame["s"].to_numpy()]).sort_values(["p", "d", "sid"])
        frame = frame.drop_duplicates("p")
        out[frame["p"].to_numpy()] = frame["s"].to_numpy()
    missing = np.flatnonzero(out < 0)
    for i in missing:  # nearest overall was another street: search within the street
        segs = np.flatnonzero(streets.seg_street == street[i])
        out[i] = segs[np.argmin(shapely.distance(points[i], streets.geoms[segs]))]
    return out


def _quote(values) -> np.ndarray:
    return ("'" + pd.Series(values).astype(str) + "'").to_numpy(dtype=object)


class _State:
    """Per-row outcome while geocoding: placed (segment, position, point, method) or a reason."""

    def __init__(self, n: int):
        self.n = n
        self.reason = np.full(n, "", dtype=object)
        self.detail = np.full(n, "", dtype=object)
        self.seg = np.full(n, -1, dtype=np.int64)
        self.position = np.full(n, np.nan)
        self.geometry = np.full(n, None, dtype=object)
        self.method = np.full(n, "", dtype=object)
        self.status = np.full(n, "", dtype=object)
        self.score = np.zeros(n)

    def open(self) -> np.ndarray:
        return (self.reason == "") & (self.seg < 0)

    def reject(self, mask, reason, detail) -> None:
        mask = np.asarray(mask, bool) & self.open()
        self.reason[mask] = reason
        self.detail[mask] = detail[mask] if isinstance(detail, np.ndarray) else detail

    def place(self, rows, *, seg, position_m, geometry, method, status, streets) -> None:
        if not len(rows):
            return
        self.seg[rows] = seg
        self.position[rows] = position_m
        self.geometry[rows] = geometry
        self.method[rows] = method
        self.status[rows] = status

    def geocoded(self, frame: pd.DataFrame, streets: StreetIndex) -> gpd.GeoDataFrame:
        ok = self.seg >= 0
        seg = self.seg[ok]
        geom = self.geometry[ok]
        out = gpd.GeoDataFrame(frame.loc[ok].copy(), geometry=list(geom) if len(geom) else [],
                               crs=streets.crs)
        out["segment_id"] = streets.ids[seg].astype(np.int64)
        out["snap_distance_m"] = (shapely.distance(geom, streets.geoms[seg]) if len(seg)
                                  else np.zeros(0))
        out["position_m"] = self.position[ok]
        out["match_method"] = self.method[ok]
        out["match_score"] = np.clip(np.round(self.score[ok], 1), 0, 100)
        out["match_status"] = self.status[ok]
        return out

    def rejects_frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        parts = []
        for reason in pd.unique(self.reason[self.reason != ""]):
            mask = self.reason == reason
            parts.append(make_rejects(frame, mask, reason=reason, detail=self.detail,
                                      stage="geocode"))
        if not parts:
            return make_rejects(frame, np.zeros(len(frame), bool), reason="street_not_found",
                                detail="", stage="geocode")
        return pd.concat(parts, ignore_index=True)


def geocode_addresses(
    addresses,
    segments: gpd.GeoDataFrame,
    *,
    bairros=None,
    **options,
) -> gpd.GeoDataFrame:
    """Geocode a plain list/Series of addresses onto ``segments`` (options as ``AddressGeocoder``).

    Returns a GeoDataFrame aligned with the input (same index for a Series), in the segments'
    CRS: ``address``, ``segment_id`` (−1 if not placed), ``position_m``, ``snap_distance_m``,
    ``match_method``, ``match_score``, ``match_status``, ``reason``/``detail`` for the ones not
    placed, and the point geometry (None if not placed). ``.attrs["qa"]`` holds the QA summary.
    """
    series = addresses if isinstance(addresses, pd.Series) else pd.Series(list(addresses),
                                                                          dtype=object)
    rows = pd.DataFrame({"address": series.astype(object).to_numpy(),
                         "source_row": np.arange(len(series))})
    if bairros is not None:
        rows["bairro"] = list(bairros)
    geocoder = AddressGeocoder(**options)
    placed, rejects = geocoder(rows, segments)
    out = pd.DataFrame({"address": rows["address"]})
    out["segment_id"] = np.int64(-1)
    out["position_m"] = np.nan
    out["snap_distance_m"] = np.nan
    out["match_method"] = ""
    out["match_score"] = np.nan
    out["match_status"] = "rejected"
    out["reason"] = ""
    out["detail"] = ""
    geom = np.full(len(rows), None, dtype=object)
    if len(placed):
        i = placed["source_row"].to_numpy()
        for c in ("segment_id", "position_m", "snap_distance_m", "match_method", "match_score",
                  "match_status"):
            out.loc[i, c] = placed[c].to_numpy()
        geom[i] = placed.geometry.to_numpy()
    if len(rejects):
        i = rejects["source_row"].to_numpy(dtype=np.int64)
        out.loc[i, "reason"] = rejects["reason"].to_numpy()
        out.loc[i, "detail"] = rejects["detail"].to_numpy()
    result = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geom, crs=segments.crs))
    result.index = series.index
    result.attrs["qa"] = geocoder.last_qa
    return result


def geocoder_from_config(config) -> AddressGeocoder | None:
    """The address geocoder a run config asks for, or None when it names no address reference.

    Uses ``address_points``/``address_points_layer`` when set, the segments' address ranges
    otherwise, and metric numbering when ``address_method="metric_number"``; options
    ``address_min_score``, ``address_method``, ``address_number_start`` (with defaults).
    """
    from hotspots import ingest

    method = getattr(config, "address_method", "auto") or "auto"
    options = dict(
        min_score=float(getattr(config, "address_min_score", 85.0)),
        method=method,
        number_start=getattr(config, "address_number_start", "auto") or "auto",
        bairro_column="bairro",
    )
    if config.address_points:
        points = ingest.read_layer(config.address_points, layer=config.address_points_layer,
                                   what="address points", geometry_types=("Point",))
        return AddressGeocoder(address_points=points, **options)
    if method != "auto" or getattr(config, "streets", None):
        return AddressGeocoder(**options)
    return None


def _single_street(cand: pd.DataFrame, state, detail: str) -> pd.DataFrame:
    """Keep rows whose candidates lie on one street; reject the others as ambiguous_street."""
    nst = cand.groupby("row")["street"].transform("nunique")
    amb = cand.loc[nst > 1, "row"].unique()
    if len(amb):
        mask = np.zeros(state.n, bool)
        mask[amb] = True
        state.reject(mask, "ambiguous_street", detail)
    return cand[nst == 1]
