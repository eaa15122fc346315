"""Places a person can find: street between cross streets, house numbers, bairro, lat/lon."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from planning_toys import CRS, X0, Y0, lamps, segments
from pyproj import Transformer

from hotspots.config.planning import PlanningSettings
from hotspots.overlays import lighting as light_mod
from hotspots.planning import wording
from hotspots.planning.network import street_nodes
from hotspots.planning.places import project_geometries, stretch_places
from hotspots.planning.projects import lighting_projects


def places(segs, **kw):
    lp = light_mod.prepare_lamps(lamps(), segs.crs)
    res = light_mod.lighting(segs, lp, reach_m=30.0)
    nodes = street_nodes(segs)
    out = lighting_projects(segs, lp, res.gaps, nodes, settings=PlanningSettings())
    geoms = project_geometries(out.pieces, segs)
    table = stretch_places(out.pieces, geoms, segs, nodes, **kw)
    seg_of = out.pieces.groupby("project_id")["segment_id"].agg(lambda s: tuple(sorted(s)))
    return table.assign(segs=seg_of.reindex(table.index))


def rua_a(table):
    return table[table["segs"] == (1, 2, 3)].iloc[0]


def test_street_between_its_cross_streets():
    table = places(segments())
    row = rua_a(table)
    assert (row["street"], row["cross_a"], row["cross_b"]) == ("Rua A", "Rua B", "Av. C")
    assert wording.location(row["street"], row["cross_a"], row["cross_b"], None, None,
                            "en") == "Rua A, between Rua B and Av. C"
    assert wording.location(row["street"], row["cross_a"], row["cross_b"], None, None,
                            "pt") == "Rua A, entre Rua B e Av. C"
    trav = table[table["segs"] == (6,)].iloc[0]
    # one end at Rua A, the other a dead end
    assert trav["street"] == "Travessa E"
    assert {trav["cross_a"], trav["cross_b"]} == {"Rua A", ""}
    assert wording.location("Travessa E", trav["cross_a"], trav["cross_b"], None, None,
                            "pt") == "Travessa E, perto de Rua A"


def test_centre_is_the_middle_of_the_project_in_wgs84():
    row = rua_a(places(segments()))
    # Rua A is dark from x = 30 to 270: its middle is x = 150 on y = 0
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(X0 + 150, Y0)
    assert row["lat"] == pytest.approx(lat, abs=1e-9)
    assert row["lon"] == pytest.approx(lon, abs=1e-9)


def test_house_numbers_are_interpolated_from_the_segments_ranges():
    segs = segments()
    ranges = {1: (1, 99, 2, 100), 2: (101, 199, 102, 200), 3: (201, 299, 202, 300)}
    for col, k in (("from_left", 0), ("to_left", 1), ("from_right", 2), ("to_right", 3)):
        segs[col] = [ranges[s][k] if s in ranges else None for s in segs.index]
    row = rua_a(places(segs))
    # dark from 30 m on block 1 (1 + 98·0.3 = 30.4) to 70 m on block 3 (202 + 98·0.7 = 270.6)
    assert (row["house_from"], row["house_to"]) == (30, 271)
    assert wording.location("Rua A", "Rua B", "Av. C", row["house_from"], row["house_to"],
                            "en") == "Rua A, between Rua B and Av. C (nos. 30–271)"


def test_house_numbers_from_address_points_of_the_same_street():
    pts = gpd.GeoDataFrame(
        {"street": ["Rua A", "RUA A ", "Rua B", "Rua A"], "housenumber": ["120", "88b", "5", "7"],
         "bairro": ["Centro", "Centro", "Porto", "Centro"]},
        geometry=[shapely.Point(X0 + 120, Y0 + 8), shapely.Point(X0 + 60, Y0 - 9),
                  shapely.Point(X0 + 150, Y0 + 5), shapely.Point(X0 + 150, Y0 + 80)], crs=CRS)
    row = rua_a(places(segments(), address_points=pts))
    # "Rua B" is another street; no. 7 is 80 m away
    assert (row["house_from"], row["house_to"]) == (88, 120)
    # the bairro is the nearest address point's (of any street) to the project's centre
    assert (row["bairro"], row["bairro_source"]) == ("Porto", "address points")


def test_bairro_from_polygons_then_segments_then_incidents():
    bairros = gpd.GeoDataFrame({"bairro": ["Centro", "Porto"]}, geometry=[
        shapely.box(X0 - 50, Y0 - 50, X0 + 200, Y0 + 50),
        shapely.box(X0 + 200, Y0 - 50, X0 + 350, Y0 + 50)], crs=CRS)
    assert rua_a(places(segments(), bairros=bairros))["bairro"] == "Centro"
    segs = segments()
    segs["bairro"] = ["Fragata", "Fragata", "Areal", "", "", "", "", ""]
    row = rua_a(places(segs))
    assert (row["bairro"], row["bairro_source"]) == ("Fragata", "segments")
    inc = pd.DataFrame({"segment_id": [3, 3, 1], "bairro": ["Areal", "Areal", "Fragata"]})
    row = rua_a(places(segments(), incidents=inc))
    assert (row["bairro"], row["bairro_source"]) == ("Areal", "incidents")
    row = rua_a(places(segments()))
    assert (row["bairro"], row["bairro_source"]) == ("", "")


def test_unnamed_streets_are_named_by_their_cross_streets():
    segs = segments()
    segs.loc[[1, 2, 3], "street_name"] = ""
    table = places(segs)
    row = table[table["segs"] == (1,)].iloc[0]
    assert row["street"] == ""
    assert wording.location("", row["cross_a"], row["cross_b"], None, None, "en") in {
        "unnamed street, between Rua B and Travessa E",
        "unnamed street, between Travessa E and Rua B"}


def test_same_text_places_get_a_compass_part():
    texts = wording.side_parts(["Rua X", "Rua X", "Rua Y"], [-31.70, -31.71, -31.7],
                               [-52.3, -52.3, -52.3], "en")
    assert texts == ["Rua X — north part", "Rua X — south part", "Rua Y"]
    texts = wording.side_parts(["Rua X", "Rua X"], [-31.7, -31.7], [-52.31, -52.30], "pt")
    assert texts == ["Rua X — parte oeste", "Rua X — parte leste"]


def test_card_streets_once_per_run_equal_the_cards_own_cross_streets():
    """The run's cross streets (one row per segment id) give each patrol row what
    ``cross_streets`` of the patrol's own rows gives: repeated ids, unknown ids, unnamed."""
    from hotspots.patrol_cards import card_streets, cross_streets

    segs = segments()
    segs.loc[segs.index[-1], "street_name"] = None  # an unnamed street
    rows = pd.Index([3, 1, 3, 999, segs.index[-1], 6, 1])
    run = card_streets(segs, pd.Index([6, 1, 3, 999, segs.index[-1], 2]))
    got = run.crosses_of(rows)
    want = cross_streets(segs, rows)
    pd.testing.assert_frame_equal(got, want)
    assert got.loc[999].eq("").all().all()
    assert run.crosses_of(pd.Index([], dtype=int)).empty
