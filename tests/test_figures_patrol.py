"""The patrol card's map: a map drawn again from equal inputs is the one drawn first."""

from __future__ import annotations

import geopandas as gpd
import shapely

from hotspots.figures import patrol


def _city():
    x0, y0 = 370_000.0, 6_480_000.0
    lines = [shapely.LineString([(x0 + 100 * i, y0 + 100 * j), (x0 + 100 * (i + 1), y0 + 100 * j)])
             for i in range(6) for j in range(6)]
    seg = gpd.GeoDataFrame({"street_name": [f"Rua {j}" for i in range(6) for j in range(6)]},
                           geometry=lines, crs="EPSG:31982")
    shift = seg.iloc[[3, 4]].assign(shift_rank=[1, 2])
    return seg, shift


def test_equal_inputs_reuse_the_drawing_and_other_inputs_do_not():
    seg, shift = _city()
    patrol._DRAWN.clear()
    first = patrol.shift_map_png(seg, shift, color="#d7191c", lang="pt")
    assert first.startswith(b"\x89PNG") and len(patrol._DRAWN) == 1
    # another table of the same streets (a liaison's columns): the same drawing
    again = patrol.shift_map_png(seg[["street_name", "geometry"]].copy(),
                                 shift[["shift_rank", "geometry"]],
                                 color="#d7191c", lang="pt")
    assert again is first and len(patrol._DRAWN) == 1
    # drawn afresh it is the same bytes
    patrol._DRAWN.clear()
    assert patrol.shift_map_png(seg, shift, color="#d7191c", lang="pt") == first
    # a different colour, rank or language is another drawing
    other = patrol.shift_map_png(seg, shift, color="#2c7bb6", lang="pt")
    ranks = patrol.shift_map_png(seg, shift.assign(shift_rank=[2, 1]), color="#d7191c",
                                 lang="pt")
    assert other != first and ranks != first and len(patrol._DRAWN) == 3
