"""Known addresses with coordinates (OSM addr:*, CNEFE, a cadastre) tied to their street."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots._errors import ValidationError
from hotspots.address.names import normalize_bairro, normalize_street
from hotspots.address.reference import StreetIndex

__all__ = ["AddressPoints"]


class AddressPoints:
    """Address points matched to a street of the reference, one representative per address.

    Each point's street is matched to the reference names like an incident's street; the point
    is then attached to the nearest segment carrying that name within ``max_snap_m`` (its
    street is that segment's street). Several points of one address (entrances, shops)
    collapse to the one nearest their mean.
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
    ):
        missing = [c for c in (street_column, number_column) if c not in points.columns]
        if missing:
            raise ValidationError(f"address points lack columns {missing}; columns are "
                                  f"{list(points.columns)} (set points_street_column / "
                                  "points_number_column)")
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
        parsed = [normalize_street(s, type_codes=streets.type_codes) for s in uniq]
        m = streets.matcher.match([p.key for p in parsed], [p.short_key for p in parsed],
                                  [p.alt_key for p in parsed])
        one = m.pairs.groupby("query")["key"].agg(["first", "size"])
        key_of = np.full(len(uniq), -1, dtype=np.int64)
        single = one[one["size"] == 1]
        key_of[single.index.to_numpy()] = single["first"].to_numpy()
        key_idx = key_of[inv.ravel()]
        ok &= key_idx >= 0
        self.n_input = len(points)
        idx = np.flatnonzero(ok)
        seg_key = np.full(len(streets.geoms), -1, dtype=np.int64)
        named = streets.seg_name >= 0
        seg_key[named] = streets.names["key_index"].to_numpy()[streets.seg_name[named]]
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
        grp = ["street", "number", "suffix"]
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
        #: (street, bairro) and (street, cep) seen on the points, for disambiguation
        self.street_bairros = table[["street", "bairro"]].drop_duplicates()
        self.street_ceps = table[["street", "cep"]].drop_duplicates()
