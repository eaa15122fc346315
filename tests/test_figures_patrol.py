"""The patrol card's map: equal inputs draw equal bytes; a run's second card set takes the
first set's map of a shift drawn alike (``ShiftMap``) and draws the others."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from hotspots.figures import patrol
from hotspots.patrol_cards import ShiftMap, patrol_cards_html


def _city():
    x0, y0 = 370_000.0, 6_480_000.0
    lines = [shapely.LineString([(x0 + 100 * i, y0 + 100 * j), (x0 + 100 * (i + 1), y0 + 100 * j)])
             for i in range(6) for j in range(6)]
    seg = gpd.GeoDataFrame({"street_name": [f"Rua {j}" for i in range(6) for j in range(6)]},
                           geometry=lines, crs="EPSG:31982")
    shift = seg.iloc[[3, 4]].assign(shift_rank=[1, 2])
    return seg, shift


def test_equal_inputs_draw_equal_bytes():
    seg, shift = _city()
    first = patrol.shift_map_png(seg, shift, color="#d7191c", lang="pt")
    assert first.startswith(b"\x89PNG")
    # another table of the same streets (a liaison's columns): the same drawing
    again = patrol.shift_map_png(seg[["street_name", "geometry"]].copy(),
                                 shift[["shift_rank", "geometry"]], color="#d7191c", lang="pt")
    assert again == first
    assert patrol.shift_map_png(seg, shift, color="#2c7bb6", lang="pt") != first


def test_a_shift_map_fits_only_what_draws_it():
    seg, shift = _city()
    drawn = ShiftMap(shift, None, "#d7191c", "pt", b"png")
    assert drawn.fits(shift[["shift_rank", "geometry"]].copy(), None, "#d7191c", "pt")
    assert drawn.fits(shift, shift.iloc[0:0], "#d7191c", "pt")  # no zones: None or empty
    assert not drawn.fits(shift, None, "#2c7bb6", "pt")
    assert not drawn.fits(shift, None, "#d7191c", "en")
    assert not drawn.fits(shift.assign(shift_rank=[2, 1]), None, "#d7191c", "pt")
    assert not drawn.fits(shift.iloc[[1, 0]].assign(shift_rank=[1, 2]), None, "#d7191c", "pt")
    assert not drawn.fits(shift.iloc[:1], None, "#d7191c", "pt")
    assert not drawn.fits(shift.to_crs(4326), None, "#d7191c", "pt")  # another CRS
    assert not drawn.fits(shift, seg.iloc[[7]], "#d7191c", "pt")  # zones near it now
    zoned = ShiftMap(shift, seg.iloc[[7]], "#d7191c", "pt", b"png")
    assert zoned.fits(shift, seg.iloc[[7]], "#d7191c", "pt")
    assert not zoned.fits(shift, seg.iloc[[8]], "#d7191c", "pt")


def test_the_second_card_set_takes_the_maps_of_the_first():
    seg, shift = _city()
    seg.index.name = "segment_id"
    rows = [shift.assign(shift="06-14", segment_id=shift.index),
            seg.iloc[[20, 21]].assign(shift_rank=[1, 2], shift="14-22",
                                      segment_id=seg.index[[20, 21]])]
    table = gpd.GeoDataFrame(pd.concat(rows), crs=seg.crs)
    table = table.reset_index(drop=True)
    maps: dict = {}
    first = patrol_cards_html(table, seg, language="pt", title="T", maps=maps)
    assert set(maps) == {"06-14", "14-22"}
    pngs = {k: m.png for k, m in maps.items()}
    # the liaison's table: the same shifts, one of them with another segment
    other = table.copy()
    other.loc[3, "geometry"] = seg.geometry.iloc[22]
    second = patrol_cards_html(other, seg, language="pt", title="T", maps=maps)
    assert maps["06-14"].png is pngs["06-14"]  # taken, not drawn
    assert maps["14-22"].png is not pngs["14-22"]  # drawn again: not the same shift
    # a map taken is the map drawn: the pages equal those drawn without sharing
    assert first == patrol_cards_html(table, seg, language="pt", title="T")
    assert second == patrol_cards_html(other, seg, language="pt", title="T")
