"""The address geocoder: a reference prepared once, then address records in, placements out.

Library API (frames in, frames out; nothing here reads a file)::

    from hotspots.address import GeocodingSettings, prepare

    settings = GeocodingSettings(range_convention="odd_even", segment_bairro_column="BAIRRO",
                                 segment_cep_column="CEP", type_codes={"DIR": "DIRETRIZ"})
    geocoder = prepare(segments, address_points=None, ceps=None, settings=settings)
    result = geocoder.geocode(records)          # records: DataFrame with "address" (+ "bairro",
    result.geocoded, result.rejects, result.qa  # "cep"), indexed by incident_id

``prepare`` builds everything that depends only on the reference (street names and keys, the
fuzzy index, streets, bairros and CEPs of each street, checked range sides, address points and
the precision estimate); ``geocode`` then costs only its records. ``geocode_addresses`` geocodes
a plain list for library users; ``AddressGeocoder`` is the callable ``geocode_incidents``
takes.

Result columns (``geocoded``, one row per placed record, input index and columns kept):
``segment_id``, ``snap_distance_m``, ``position_m`` (along the segment from its first vertex),
``match_method`` (address_point | address_range | metric_number | intersection |
street_centroid), ``match_score`` (0–100, the score compared with ``min_score``),
``match_status`` (matched | matched_tie | matched_street_only), ``match_review`` (True when a
person should look: ties far apart, an invalid range used, a fuzzy name placed by a fallback, a
corner used for a numbered address, a written bairro the street is not in…),
``match_review_reason`` and ``matched_street`` (the reference name). ``rejects`` follows ``hotspots.rejects`` (reason codes
and a detail that prints the real score).
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import crs as crs_mod
from hotspots._errors import ValidationError
from hotspots.address.candidates import street_candidates
from hotspots.address.match import distinct_rows
from hotspots.address.messages import detail as D
from hotspots.address.messages import render
from hotspots.address.names import normalize_street
from hotspots.address.normalize import normalize_bairro, parsed_arrays
from hotspots.address.placement import (
    Outcome,
    Rows,
    place_by_metric,
    place_by_points,
    place_by_ranges,
    place_intersections,
    place_street_only,
)
from hotspots.address.points import AddressPoints
from hotspots.address.qa import geocoding_qa
from hotspots.address.ranges import estimate_precision
from hotspots.address.reference import StreetIndex
from hotspots.address.settings import METHODS, GeocodingSettings, settings_from_options
from hotspots.numbering import find_range_columns
from hotspots.rejects import make_rejects

__all__ = ["METHODS", "AddressGeocoder", "GeocodingResult", "GeocodingSettings",
           "PreparedGeocoder", "geocode_addresses", "prepare"]

_DIGITS = re.compile(r"\D")
RESULT_COLUMNS = ["segment_id", "snap_distance_m", "position_m", "match_method", "match_score",
                  "match_status", "match_review", "match_review_reason", "matched_street"]


@dataclass(frozen=True)
class GeocodingResult:
    """Placed records, rejects and the QA summary of one geocoding call."""

    geocoded: gpd.GeoDataFrame  #: placed records (input index and columns + RESULT_COLUMNS)
    rejects: pd.DataFrame  #: one row per record not placed (``hotspots.rejects`` columns)
    qa: dict  #: :func:`hotspots.address.qa.geocoding_qa` summary
    table: gpd.GeoDataFrame  #: every record, aligned with the input (segment_id −1 if not placed)


class PreparedGeocoder:
    """A reference prepared for geocoding (see :func:`prepare`); ``geocode`` many batches."""

    def __init__(self, streets: StreetIndex, points: AddressPoints | None,
                 settings: GeocodingSettings, reference_qa: dict, language: str = "en"):
        self.streets = streets
        self.points = points
        self.settings = settings
        self.language = _language(language)
        self.reference_qa = reference_qa
        self._meetings: dict = {}  # corners already computed (they depend on the reference)
        from pyproj import CRS

        self._crs = CRS.from_user_input(streets.crs) if streets.crs is not None else None
        box = shapely.total_bounds(streets.geoms) if len(streets.geoms) else None
        origin = settings.number_origin
        self._origin = (shapely.Point(origin) if origin else
                        shapely.Point((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
                        if box is not None else shapely.Point(0, 0))

    def geocode(self, records: pd.DataFrame | pd.Series) -> GeocodingResult:
        """Geocode address records against the prepared reference.

        Parameters
        ----------
        records
            A DataFrame indexed by the records' identity (``incident_id``) with the address
            column (``settings.address_column``) and optionally the bairro and CEP columns; or
            a Series of addresses. Not modified. A ``source_row`` column is added to the
            outputs when absent (0, 1, …).

        Returns
        -------
        GeocodingResult
            ``geocoded`` (placed records: input index and columns + ``RESULT_COLUMNS``, point
            geometry in the segments' CRS, metres), ``rejects`` (one row per record not placed,
            ``hotspots.rejects`` columns), ``qa`` and ``table`` (every record in input order,
            ``segment_id`` −1 and ``reason``/``detail`` when not placed).

        Notes
        -----
        Python's cyclic garbage collector is paused during the call and resumed after it: a
        batch allocates many small objects, and each full collection pass walks the whole heap
        (the caches of the prepared reference included), which cost more than a tenth of a
        batch's time. Nothing is lost: cycles left by the call are collected later.
        """
        enabled = gc.isenabled()
        if enabled:
            gc.disable()
        try:
            return self._geocode(records)
        finally:
            if enabled:
                gc.enable()

    def _geocode(self, records: pd.DataFrame | pd.Series) -> GeocodingResult:
        s = self.settings
        frame = _records_frame(records, s.address_column)
        out = Outcome(len(frame))
        parsed = parsed_arrays(frame[s.address_column].to_numpy(dtype=object),
                               city_names=s.city_names, type_codes=s.type_codes)
        bairro, cep = _bairro_and_cep(frame, parsed, s)
        problem = parsed["problem"]
        text = parsed["street_text"]
        for reason in ("address_empty", "invalid_address", "invalid_number"):
            mask = problem == reason
            if mask.any():
                out.reject(mask, reason, _details("address", mask, text=text))
        st = self.streets
        bcode = st.bairro_codes(bairro)
        cand, _, _ = self._candidates(parsed, "street", bcode, cep, out)
        number = np.maximum(parsed["number"], 0)
        suffix = parsed["number_suffix"]
        kind = parsed["number_kind"].copy()
        cand = self._retry_number_in_name(parsed, bcode, cep, out, cand, kind)
        has_cross = parsed["cross_key"] != ""
        corner_first = has_cross & ((kind != "number") | (s.intersection_policy == "corner"))
        hint_x, hint_y = self._hints(bcode, cep)
        if corner_first.any():
            self._corners(corner_first, parsed, bcode, cep, cand, out, hint_x, hint_y)
        numbered = out.open() & (kind == "number")
        pairs = cand[numbered[cand["row"]]]
        for method in s.method:
            todo = out.open()
            pairs = pairs[todo[pairs["row"]]]
            if not len(pairs):
                break
            if method == "address_point" and self.points is not None:
                place_by_points(pairs, number, suffix, self.points, st, out,
                                same_address_max_m=s.same_address_max_m)
            elif method == "address_range" and st.sides is not None:
                common: dict[str, Any] = dict(end_offset_fraction=s.end_offset_fraction,
                              side_offset_m=s.side_offset_m, even_side=s.even_side,
                              same_address_max_m=s.same_address_max_m)
                place_by_ranges(pairs, number, hint_x, hint_y, st, out, fallback=False, **common)
                if s.invalid_ranges == "fallback":
                    rest = pairs[out.open()[pairs["row"]]]
                    place_by_ranges(rest, number, hint_x, hint_y, st, out, fallback=True,
                                    **common)
            elif method == "metric_number":
                place_by_metric(pairs, number, st, out, number_start=s.number_start,
                                origin=self._origin, metric_tolerance_m=s.metric_tolerance_m,
                                end_offset_fraction=s.end_offset_fraction,
                                side_offset_m=s.side_offset_m, even_side=s.even_side)
        todo = out.open() & (kind == "number")
        if s.intersection_policy == "number_then_corner" and (todo & has_cross).any():
            self._corners(todo & has_cross, parsed, bcode, cep, cand, out, hint_x, hint_y,
                          review="corner_instead_of_number")
        todo = out.open() & (kind == "number")
        usable = ((self.points is not None and "address_point" in s.method)
                  or (st.sides is not None and "address_range" in s.method)
                  or "metric_number" in s.method)
        if not usable:
            out.reject(todo, "address_unavailable",
                       D("no_reference"))
        if todo.any():
            out.reject(todo, "number_out_of_range",
                       _details("number_not_found", todo & out.open(), number=number,
                                text=text))
        todo = out.open()
        if todo.any() and s.allow_street_only:
            place_street_only(cand[todo[cand["row"]]], st, out)
        todo = out.open()
        why = np.empty(out.n, dtype=object)
        why[:] = D("sn")
        why[kind == "km"] = D("km_only")
        out.reject(todo, "no_house_number", why)
        name_kind = _chosen(cand, out)
        table = self._table(frame, out)
        placed = table["segment_id"].to_numpy() >= 0
        res = {c: table[c].to_numpy()[placed] for c in RESULT_COLUMNS}
        res["geometry"] = table.geometry.values[placed]  # keeps the CRS, no re-parsing
        kept = pd.concat([frame.loc[placed].drop(columns=["geometry"], errors="ignore"),
                          pd.DataFrame(res, index=frame.index[placed])], axis=1)
        geocoded = gpd.GeoDataFrame(kept, geometry="geometry")
        rejects = _rejects(frame, out, self.language)
        qa = geocoding_qa(method=out.method, status=out.status, score=out.score,
                          reason=out.reason, placed=placed, street_text=text,
                          review=out.review, name_kind=name_kind,
                          reference=self.reference_qa, language=self.language)
        return GeocodingResult(geocoded=geocoded, rejects=rejects, qa=qa, table=table)

    # -- steps ----------------------------------------------------------------------------------
    def _candidates(self, parsed, which, bcode, cep, out: Outcome, mask=None):
        """(row, street, score, kind) candidates of the first street (``street``), the cross
        street (``cross``) or the street with its number as part of the name (``numname``),
        for the rows in ``mask`` (default: the open rows for ``street``, those with a cross
        street for ``cross``); with the reject reason and detail of every row ("" if none)."""
        n = len(parsed["street_key"])
        if mask is None:
            mask = (out.open() if which == "street"
                    else parsed[f"{which}_key"] != "")
        rows = np.flatnonzero(mask)
        cols = {"key": f"{which}_key", "short_key": f"{which}_short_key",
                "alt_key": f"{which}_alt_key", "street_type": f"{which}_type",
                "text": f"{which}_text"}
        q = {k: parsed[v][rows] for k, v in cols.items()}
        q["type_abbreviated"] = (parsed["street_type_abbreviated"][rows]
                                 if which == "street" else np.zeros(len(rows), bool))
        q["bairro_code"] = np.asarray(bcode)[rows]
        q["cep"] = np.asarray(cep, dtype=object)[rows]
        codes, first = distinct_rows(q.values())
        uq = {k: np.asarray(v)[first] for k, v in q.items()}
        sc = street_candidates(self.streets, uq, min_score=self.settings.min_score)
        qpairs = sc.pairs
        order = np.argsort(codes, kind="stable")
        starts = np.searchsorted(codes[order], qpairs["query"].to_numpy(), side="left")
        stops = np.searchsorted(codes[order], qpairs["query"].to_numpy(), side="right")
        count = stops - starts
        pick = np.repeat(starts, count) + (np.arange(count.sum())
                                           - np.repeat(np.cumsum(count) - count, count))
        expand = np.repeat(np.arange(len(qpairs)), count)
        prow = rows[order[pick]]
        by_row = np.argsort(prow, kind="stable")
        pairs = Rows(row=prow[by_row], **{c: qpairs[c].to_numpy()[expand][by_row]
                                          for c in qpairs.columns if c != "query"})
        reason = np.full(n, "", dtype=object)
        detail = np.full(n, "", dtype=object)
        reason[rows], detail[rows] = sc.reason[codes], sc.detail[codes]
        if which != "cross":
            for why in ("street_not_found", "low_score", "ambiguous_street"):
                out.reject(mask & (reason == why), why, detail)
            out.score[rows] = sc.best_score[codes]
        return pairs, reason, detail

    def _retry_number_in_name(self, parsed, bcode, cep, out: Outcome, cand, kind):
        """"Rua Projetada 4" not found as PROJETADA + number 4: try PROJETADA QUATRO, no
        number (then a corner, the street only or a no_house_number reject)."""
        retry = (np.isin(out.reason, ["street_not_found", "low_score"])
                 & (parsed["numname_text"] != ""))
        if not retry.any():
            return cand
        names = [normalize_street(t, type_codes=self.settings.type_codes) if r else None
                 for t, r in zip(parsed["numname_text"], retry)]
        for col, attr in (("key", "key"), ("short_key", "short_key"), ("alt_key", "alt_key"),
                          ("type", "street_type"), ("text", "text")):
            parsed[f"numname_{col}"] = np.array([getattr(nm, attr) if nm else "" for nm in names],
                                                dtype=object)
        saved = out.reason.copy(), out.detail.copy(), out.score.copy()
        out.reason[retry], out.detail[retry] = "", ""
        more, _, _ = self._candidates(parsed, "numname", bcode, cep, out, mask=retry)
        got = np.zeros(out.n, bool)
        got[more["row"]] = True
        got &= retry
        back = retry & ~got
        out.reason[back], out.detail[back], out.score[back] = (saved[0][back], saved[1][back],
                                                              saved[2][back])
        kind[got] = "missing"
        return Rows.concat([cand, more[got[more["row"]]]])

    def _hints(self, bcode, cep):
        st = self.streets
        hx = np.full(len(bcode), np.nan)
        hy = np.full(len(bcode), np.nan)
        ok = bcode >= 0
        hx[ok], hy[ok] = st.bairro_x[bcode[ok]], st.bairro_y[bcode[ok]]
        return hx, hy

    def _corners(self, mask, parsed, bcode, cep, cand, out: Outcome, hint_x, hint_y,
                 review: str = ""):
        rows = np.flatnonzero(mask & out.open())
        if not len(rows):
            return
        sel = np.zeros(out.n, bool)
        sel[rows] = True
        second, reason, detail = self._candidates(parsed, "cross", bcode, cep, out, mask=sel)
        second = second[np.isin(second["row"], rows)]
        for r in np.setdiff1d(rows, second["row"]):
            out.reject_rows([r], reason[r] or "street_not_found",
                            D("corner_second", inner=detail[r] or D("not_found")))
        first = cand[np.isin(cand["row"], rows)]
        ref = {int(r): (float(hint_x[r]), float(hint_y[r])) for r in rows
               if np.isfinite(hint_x[r])}
        keep = ("row", "street", "score")
        place_intersections(Rows(**{c: first[c] for c in keep}),
                            Rows(**{c: second[c] for c in keep}),
                            self.streets, out, min_score=self.settings.min_score,
                            max_gap_m=self.settings.intersection_max_gap_m, reference_xy=ref,
                            review=review, cache=self._meetings)

    def _table(self, frame: pd.DataFrame, out: Outcome) -> gpd.GeoDataFrame:
        st = self.streets
        ok = out.seg >= 0
        seg = np.where(ok, out.seg, 0)
        geom = out.geometry.copy()
        geom[~ok] = None
        dist = np.full(len(frame), np.nan)
        if ok.any():
            dist[ok] = shapely.distance(out.geometry[ok], st.geoms[out.seg[ok]])
        cols = {
            "segment_id": np.where(ok, st.ids[seg], -1).astype(np.int64),
            "snap_distance_m": dist,
            "position_m": np.where(ok, out.position, np.nan),
            "match_method": out.method,
            "match_score": np.where(ok, np.clip(np.round(out.score, 1), 0, 100), np.nan),
            "match_status": np.where(ok, out.status, "rejected"),
            "match_review": ok & (out.review != ""),
            "match_review_reason": np.where(ok, out.review, ""),
            "matched_street": np.where(ok & (out.street >= 0),
                                       st.street_text[np.clip(out.street, 0, None)]
                                       if st.n_streets else "", ""),
            "reason": out.reason,
            "detail": render(out.detail, self.language),
            "geometry": self._geometry_array(geom),
        }
        return gpd.GeoDataFrame(pd.DataFrame(cols, index=frame.index), geometry="geometry")

    def _geometry_array(self, geoms: np.ndarray):
        """A GeometryArray in the reference CRS (the CRS object parsed once, at prepare)."""
        from geopandas.array import GeometryArray

        return GeometryArray(np.asarray(geoms, dtype=object), crs=self._crs)


def _records_frame(records, address_column: str) -> pd.DataFrame:
    if isinstance(records, pd.Series):
        frame = records.to_frame(address_column)
    elif isinstance(records, pd.DataFrame):
        if address_column not in records.columns:
            raise ValidationError(f"address records have no {address_column!r} column; columns "
                                  f"are {list(records.columns)} (set address_column)")
        frame = records.copy()
    else:
        frame = pd.DataFrame({address_column: list(records)})
    if "source_row" not in frame.columns:
        frame["source_row"] = np.arange(len(frame))
    return frame


def _bairro_and_cep(frame, parsed, s: GeocodingSettings):
    """Bairro key and 8-digit CEP of each record: the record's columns first, else the text's."""
    bairro = parsed["bairro"]
    if s.bairro_column in frame.columns:
        given = _per_distinct(frame[s.bairro_column].to_numpy(object), normalize_bairro)
        bairro = np.where(given != "", given, bairro)
    cep = parsed["cep"]
    if s.cep_column in frame.columns:
        given = _per_distinct(frame[s.cep_column].to_numpy(object), _cep_digits)
        ok = np.array([len(g) == 8 for g in given], dtype=bool)
        cep = np.where(ok, given, cep)
    return bairro, cep


def _cep_digits(c) -> str:
    """The digits of a written CEP (a number is zero-padded to 8 digits; missing: "")."""
    if isinstance(c, str):
        return _DIGITS.sub("", c)
    return f"{int(c):08d}" if isinstance(c, int | float) and c == c else ""


def _per_distinct(values: np.ndarray, fn) -> np.ndarray:
    """``fn`` of each value, computed once per distinct value (object array out)."""
    codes, uniq = pd.factorize(values, use_na_sentinel=False)
    done = np.empty(len(uniq), dtype=object)
    done[:] = [fn(v) for v in uniq]
    return done[codes] if len(values) else np.zeros(0, dtype=object)


def _chosen(cand: Rows, out: Outcome) -> np.ndarray:
    """Kind of name match of each placed row; its score becomes that of the chosen street."""
    n = out.n
    kind = np.full(n, "", dtype=object)
    if len(cand):
        row = cand["row"]
        hit = out.street[row] == cand["street"]
        idx = np.flatnonzero(hit)
        rows, first = np.unique(row[idx], return_index=True)
        pick = idx[first]
        kind[rows] = cand["kind"][pick]
        not_corner = out.method[rows] != "intersection"
        out.score[rows[not_corner]] = cand["score"][pick][not_corner]
        differs = cand["bairro_differs"][pick].astype(bool)
        out.add_review(rows[differs], "bairro_differs")
    kind[out.method == "intersection"] = "corner"
    return kind


def _details(key: str, mask: np.ndarray, **arrays) -> np.ndarray:
    """A Detail for each row of ``mask`` from arrays of values ("" elsewhere)."""
    out = np.full(len(mask), "", dtype=object)
    for i in np.flatnonzero(mask):
        out[i] = D(key, **{k: (v[i].item() if hasattr(v[i], "item") else v[i])
                           for k, v in arrays.items()})
    return out


def _rejects(frame: pd.DataFrame, out: Outcome, language: str = "en") -> pd.DataFrame:
    text = render(out.detail, language)
    parts = [make_rejects(frame, out.reason == reason, reason=reason, detail=text,
                          stage="geocode")
             for reason in pd.unique(out.reason[out.reason != ""])]
    if not parts:
        return make_rejects(frame.iloc[:0], np.zeros(0, bool), reason="street_not_found",
                            detail="", stage="geocode")
    return pd.concat(parts, ignore_index=True)


def prepare(
    segments: gpd.GeoDataFrame,
    *,
    address_points: gpd.GeoDataFrame | None = None,
    ceps: pd.DataFrame | None = None,
    settings: GeocodingSettings | None = None,
    language: str = "en",
) -> PreparedGeocoder:
    """Build everything address geocoding needs from the reference, once.

    Parameters
    ----------
    segments
        Street segments indexed by ``segment_id`` (``hotspots.segments.build_segments``), in a
        metric CRS, with ``street_name`` (or the ``name_columns``), optional house-number ranges
        (``range_convention``/``range_columns``) and bairro/CEP columns.
    address_points
        Optional points with street, number (and bairro, CEP) columns, any CRS.
    ceps
        Optional CEP table (one row per CEP: ``cep``, ``street``, optional ``bairro``), e.g. the
        Correios DNE or CEP Aberto for the city: the CEP of each street when the segments have
        none.
    settings
        :class:`GeocodingSettings`.
    language
        "en" or "pt" (pt-BR): the language of reject details and QA warnings.

    Returns
    -------
    PreparedGeocoder
        ``.geocode(records)`` → :class:`GeocodingResult`; ``.reference_qa`` holds the range
        checks (sides with each flag) and, with address points and ranges, the precision
        estimate (share of points whose number the ranges put on their own segment, error
        along the street in metres).
    """
    s = settings or GeocodingSettings()
    if not isinstance(segments, gpd.GeoDataFrame):
        raise ValidationError(f"prepare: segments must be a GeoDataFrame of street segments, "
                              f"got {type(segments).__name__}")
    crs_mod.require_metric(segments.crs, what="segments CRS")
    spec = (find_range_columns(segments.columns, convention=s.range_convention,
                               mapping=s.range_columns)
            if "address_range" in s.method or s.range_columns else None)
    streets = StreetIndex(segments, name_columns=s.name_columns, type_codes=s.type_codes,
                          bairro_column=s.segment_bairro_column, cep_column=s.segment_cep_column,
                          range_spec=spec, ceps=ceps, street_gap_m=s.street_gap_m,
                          min_score=s.min_score)
    points = None
    if address_points is not None and "address_point" in s.method:
        points = AddressPoints(address_points, streets, street_column=s.points_street_column,
                               number_column=s.points_number_column,
                               bairro_column=s.points_bairro_column,
                               cep_column=s.points_cep_column, max_snap_m=s.points_max_snap_m)
        streets.add_places(points.street_bairros, points.street_ceps)
    reference_qa = {
        "segments": len(streets.geoms),
        "streets": int(streets.n_streets),
        "street_names": len(streets.matcher),
        "range_convention": spec.convention if spec is not None else None,
        "range_columns": spec.names if spec is not None else None,
        "range_sides": getattr(streets, "range_counts", None),
        "address_points": None if points is None else {"input": points.n_input,
                                                        "usable": points.n_usable},
        "precision": estimate_precision(streets, points),
    }
    return PreparedGeocoder(streets, points, s, reference_qa, language=language)


def _language(language: str) -> str:
    """'en' or 'pt' from a language code ('pt-BR' → 'pt'); anything else is an error."""
    code = str(language).lower().split("-")[0].split("_")[0]
    if code not in ("en", "pt"):
        raise ValidationError(f"address geocoding: language must be 'en' or 'pt', got "
                              f"{language!r}")
    return code


class AddressGeocoder:
    """Callable ``(address_rows, segments) -> (geocoded, rejects)`` for ``geocode_incidents``.

    Keyword options are the fields of :class:`GeocodingSettings` (``method`` may be "auto" =
    address points then ranges, one method name or a tuple; ``number_start`` may be an (x, y)
    tuple); ``address_points`` and ``ceps`` are the optional references. The reference is
    prepared on the first call and reused while the same segments frame is passed. After each
    call ``last_qa`` holds the QA summary.
    """

    def __init__(self, *, address_points: gpd.GeoDataFrame | None = None,
                 ceps: pd.DataFrame | None = None, settings: GeocodingSettings | None = None,
                 language: str = "en", **options):
        if settings is not None and options:
            raise ValidationError("AddressGeocoder: give settings= or keyword options, not both")
        self.settings = settings or settings_from_options(**options)
        self.language = _language(language)
        self.address_points = address_points
        self.ceps = ceps
        self.last_qa: dict | None = None
        self._prepared: tuple | None = None

    def prepare(self, segments: gpd.GeoDataFrame) -> PreparedGeocoder:
        """The prepared reference for ``segments`` (built once per segments frame)."""
        if self._prepared is None or self._prepared[0] is not segments:
            self._prepared = (segments, prepare(segments, address_points=self.address_points,
                                                ceps=self.ceps, settings=self.settings,
                                                language=self.language))
        return self._prepared[1]

    def __call__(self, rows: pd.DataFrame, segments: gpd.GeoDataFrame
                 ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
        result = self.prepare(segments).geocode(rows)
        self.last_qa = result.qa
        return result.geocoded, result.rejects


def geocode_addresses(
    addresses,
    segments: gpd.GeoDataFrame,
    *,
    bairros=None,
    ceps=None,
    address_points: gpd.GeoDataFrame | None = None,
    prepared: PreparedGeocoder | None = None,
    **options,
) -> gpd.GeoDataFrame:
    """Geocode a plain list/Series of addresses onto ``segments`` (options as ``AddressGeocoder``).

    Returns a GeoDataFrame aligned with the input (same index for a Series), in the segments'
    CRS: ``address``, ``segment_id`` (−1 if not placed), ``position_m``, ``snap_distance_m``,
    ``match_method``, ``match_score``, ``match_status``, ``match_review``,
    ``match_review_reason``, ``matched_street``, ``reason``/``detail`` for the ones not placed,
    and the point geometry (None if not placed). ``.attrs["qa"]`` holds the QA summary. Pass
    ``prepared=prepare(segments, ...)`` to geocode many lists against one reference.
    """
    series = addresses if isinstance(addresses, pd.Series) else pd.Series(list(addresses),
                                                                          dtype=object)
    if prepared is None:
        prepared = prepare(segments, address_points=address_points,
                           settings=settings_from_options(**options))
    rows = pd.DataFrame({prepared.settings.address_column: series.astype(object).to_numpy()})
    if bairros is not None:
        rows[prepared.settings.bairro_column] = list(bairros)
    if ceps is not None:
        rows[prepared.settings.cep_column] = list(ceps)
    result = prepared.geocode(rows)
    out = result.table.drop(columns=[]).copy()
    out.insert(0, "address", rows[prepared.settings.address_column].to_numpy())
    out.index = series.index
    out.attrs["qa"] = result.qa
    return out
