"""The shared symbology: class edges, matching rules, extra classes, legends, texts, QGIS filters."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

from hotspots import export
from hotspots import symbology as sym
from hotspots._errors import ValidationError
from hotspots.export.qgis_styles import class_expression, number_literal, quoted_string

nan = math.nan


def _lines(n: int, **cols) -> gpd.GeoDataFrame:
    geoms = [LineString([(10 * i, 0), (10 * i + 5, 0)]) for i in range(n)]
    return gpd.GeoDataFrame(cols, geometry=geoms, crs=32722)


def _points(n: int, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=[Point(i, 0) for i in range(n)], crs=32722)


@pytest.mark.parametrize("closed,expected", [
    ("left", [False, True, True, False, False]),
    ("right", [False, False, True, True, False]),
    ("both", [False, True, True, True, False]),
])
def test_range_edges_follow_the_closed_end(closed, expected):
    r = sym.Range(1, 2, "x", "#000000", closed=closed)
    assert r.contains([0.5, 1, 1.5, 2, nan]).tolist() == expected


def test_range_infinite_end_is_open():
    r = sym.Range(51, math.inf, "x", "#000000")
    assert r.contains([50, 51, 1e300, math.inf, nan]).tolist() == [False, True, True, False, False]


def _week_counts(frame):
    """A left-closed count symbology (the weekly layer's fixed classes 1, 3–5, 6–10, ≥ 11)."""
    return sym.Symbology("week", "Week", "Week", "line", "count", "range",
                         sym.count_classes([], lower_bounds=(1, 3, 6, 11)),
                         sym.Category(None, "No incidents", sym.BACKGROUND_COLOR, 1.0))


def test_left_closed_count_classes_at_the_edges_and_missing():
    seg = _lines(10, count=[1, 2, 3, 5, 6, 10, 11, 1000, nan, 0])
    s = _week_counts(seg)
    assert s.classify(seg).tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert [c.label for c in s.classes] == ["1–2", "3–5", "6–10", "11 or more"]
    assert s.all_classes[4].label == "No incidents"


def test_rates_lower_open_upper_closed_with_suppressed_and_missing():
    seg = _lines(9, rate_per_100m=[0, nan, nan, 1, 2, 3, 4, 5, 6],
                 suppressed=[False, True, False, False, False, False, False, False, False])
    s = sym.symbology("rate", seg, privacy_k=3)
    labels = [s.all_classes[i].label for i in s.classify(seg)]
    assert labels == ["No incidents", "1 to 2 incidents (suppressed)", "No value", "≤ 2", "≤ 2",
                      "2 – 3", "3 – 4", "4 – 5", "> 5"]
    # the legend: every rate class, then the extra classes present
    assert [c.label for _i, c in s.legend(s.classify(seg))][-2:] == [
        "1 to 2 incidents (suppressed)", "No value"]
    pt = sym.symbology("rate", seg.assign(rate_per_100m=seg["rate_per_100m"] / 10), lang="pt-BR")
    assert [c.label for c in pt.classes] == ["Nenhuma ocorrência", "≤ 0,2", "0,2 – 0,3",
                                             "0,3 – 0,4", "0,4 – 0,5", "> 0,5"]
    assert pt.suppressed.label == "Menos de k ocorrências (suprimido)"


def test_rate_index_agrees_with_the_symbology_rule():
    vals = pd.Series([0, 0.05, 0.1, 0.2, 1.5, nan, 3.0, 10.0])
    classes = sym.rate_classes(vals)
    s = sym.symbology("rate", _lines(len(vals), rate_per_100m=vals))
    got = s.classify(_lines(len(vals), rate_per_100m=vals))
    np.testing.assert_array_equal(np.where(got == len(classes), -1, got),
                                  sym.rate_index(vals, classes))


def test_suppressed_class_only_where_suppression_nulls_the_column():
    seg = _lines(2, rate_per_100m=[nan, 1.0], suppressed=[True, False])
    assert sym.symbology("hot_status", seg.assign(hot_status=[None, "new"])).suppressed is None
    assert sym.symbology("rate", seg).suppressed is not None
    assert sym.symbology("gi", seg.assign(gi_bin=[nan, 1])).classify(seg.assign(
        gi_bin=[nan, 1])).tolist() == [7, 2]  # "No Gi* class", Hot spot 90 %
    assert "rate_per_100m" in sym.suppressible_columns()


def test_lamp_status_case_insensitive_and_legend_of_present_classes():
    lamps = _points(6, status=["working", "Broken", "WORKING", " working ", None, "queimada"])
    s = sym.symbology("lamps", lamps)
    idx = s.classify(lamps)
    assert idx.tolist() == [0, 1, 0, 0, 2, 2]
    only = _points(2, status=["Working", "working"])
    so = sym.symbology("lamps", only)
    assert [c.label for _i, c in so.legend(so.classify(only))] == ["Lamp, working"]
    none = _points(2)  # no status column: every lamp is of unknown status
    assert sym.symbology("lamps", none).classify(none).tolist() == [2, 2]


def test_truthy_accepts_booleans_numbers_and_texts():
    got = sym.truthy([True, False, np.True_, 1, 0, 1.0, 2, "Sim", " NÃO ", "yes", "x", None,
                      nan, pd.NA, ""])
    assert got.tolist() == [True, False, True, True, False, True, None, True, False, True, None,
                            None, None, None, False]


def test_green_areas_adopted_unknown_has_its_own_class():
    green = _points(4, adopted=[True, False, None, "talvez"])
    s = sym.symbology("green", green)
    assert [s.all_classes[i].label for i in s.classify(green)] == [
        "Green area, adopted", "Green area, not adopted", "Green area, adoption unknown",
        "Green area, adoption unknown"]


def test_patrol_shift_classes_in_order_of_appearance():
    patrol = _lines(5, shift=["22–06", "06–14", " 22–06", "14–22", None])
    s = sym.symbology("patrol", patrol, lang="pt")
    assert [c.label for c in s.classes] == ["Turno 22–06", "Turno 06–14", "Turno 14–22"]
    assert [c.color for c in s.classes] == list(sym.SHIFT_COLORS[:3])
    assert s.classify(patrol).tolist() == [0, 1, 0, 2, 3]
    assert s.all_classes[3].label == "Turno não informado"


def test_layer_symbologies_default_first_and_only_with_their_column():
    seg = _lines(3, gi_bin=[0, 1, 3], rate_per_100m=[0, 1, 2], street_name=["a", "b", "c"])
    assert [s.key for s in sym.layer_symbologies("segments", seg)] == ["gi", "rate"]
    no_gi = seg.assign(gi_bin=[nan, nan, nan])
    assert [s.key for s in sym.layer_symbologies("segments", no_gi)] == ["rate", "gi"]
    assert sym.layer_symbologies("counts_by_week", pd.DataFrame({"a": [1]})) == ()
    assert sym.layer_symbologies("something_new", seg)[0].key == "default"
    assert sym.layer_symbologies("segments", seg)[0].label_field == "street_name"


def test_unknown_language_key_and_match_are_errors():
    with pytest.raises(ValidationError, match="language 'fr' is not supported"):
        sym.language("fr")
    with pytest.raises(ValidationError, match="unknown symbology 'heat'"):
        sym.symbology("heat", _lines(1))
    with pytest.raises(ValidationError, match="match must be one of"):
        sym.Symbology("x", "", "", "line", match="fuzzy")


def test_every_text_exists_in_both_languages():
    assert set(sym.TEXTS["en"]) == set(sym.TEXTS["pt"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-5, 200), st.floats(-1, 30)), min_size=1,
                max_size=40), st.randoms(use_true_random=False))
def test_classify_is_row_order_invariant_and_never_leaves_a_feature_out(values, rnd):
    vals = [nan if v is None else v for v in values]
    seg = _lines(len(vals), rate_per_100m=vals, count=vals)
    order = list(range(len(vals)))
    rnd.shuffle(order)
    shuffled = seg.iloc[order]
    for make in (lambda f: sym.symbology("rate", f), _week_counts):
        idx = make(seg).classify(seg)
        assert (idx >= 0).all()
        again = make(shuffled).classify(shuffled)
        assert again.tolist() == idx[order].tolist()


# --- the QGIS filters written from the same rule ------------------------------------------


def test_qgis_filters_of_counts_rates_texts_booleans_and_extras():
    seg = _lines(8, count=[1, 30, nan, 1, 1, 1, 1, 1],
                 rate_per_100m=[0, nan, 1, 2, 3, 4, 5, 6],
                 suppressed=[False, True, False, False, False, False, False, False])
    week = _week_counts(seg)
    assert [class_expression(week, i) for i in range(4)] == [
        '"count" >= 1 AND "count" < 3', '"count" >= 3 AND "count" < 6',
        '"count" >= 6 AND "count" < 11', '"count" >= 11']
    assert class_expression(week, 4).startswith('NOT coalesce(("count" >= 1 AND')
    rate = sym.symbology("rate", seg)
    assert class_expression(rate, 0) == '"rate_per_100m" = 0'
    assert class_expression(rate, 1) == '"rate_per_100m" > 0 AND "rate_per_100m" <= 2'
    assert class_expression(rate, 5) == '"rate_per_100m" > 5'
    assert class_expression(rate, len(rate.classes)) == (
        '"rate_per_100m" IS NULL AND lower(trim(to_string("suppressed"))) IN '
        "('true', '1', 'yes', 'sim', 't', 'y')")
    lamps = sym.symbology("lamps", _points(1, status=["x"]))
    assert class_expression(lamps, 0) == "lower(trim(to_string(\"status\"))) = 'working'"
    patrol = sym.symbology("patrol", _lines(1, shift=["Noite 'B' \\ 2"]))
    assert class_expression(patrol, 0) == \
        "lower(trim(to_string(\"shift\"))) = 'noite ''b'' \\\\ 2'"
    assert quoted_string("a\nb") == "'a\\nb'"
    assert number_literal(26.0) == "26" and number_literal(0.1) == "0.1"
    assert number_literal(1e-7) == "1e-07"


def test_layer_styles_rules_and_legend_match_the_symbology(tmp_path):
    seg = _lines(4, gi_bin=[3, 0, nan, -1], rate_per_100m=[0, 1, 2, nan],
                 street_name=["a", "b", "c", "d"], hot_status=["new", None, "cooling", None])
    path = export.write_geopackage({"segments": seg}, tmp_path / "x.gpkg")
    styles = export.qgis_styles.layer_styles("segments", seg)
    # the segments' styles are the registry's (each offered when its column exists)
    assert [name for name, _ in styles] == ["Hot spots (Gi*)", "Incidents per 100 m",
                                            "Hot segments, week over week"]
    other = export.qgis_styles.layer_styles("segments", seg, keys=("gi", "hot_status"))
    assert [name for name, _ in other] == ["Hot spots (Gi*)", "Hot segments, week over week"]
    assert [name for name, _ in export.qgis_styles.layer_styles(
        "segments", seg.drop(columns="hot_status"))] == ["Hot spots (Gi*)", "Incidents per 100 m"]
    with pytest.raises(ValidationError, match="unknown symbology 'priority'"):
        sym.symbology("priority", seg)  # the lighting ranking was retired for the plan
    root = ET.fromstring(styles[0][1].split("\n", 1)[1])
    rules = [(r.get("key"), r.get("label")) for r in root.iter("rule")]
    assert rules == [("gi-0", "Hot spot 99 %"), ("gi-1", "Hot spot 95 %"),
                     ("gi-2", "Hot spot 90 %"), ("gi-3", "Not significant"),
                     ("gi-4", "Cold spot 90 %"), ("gi-5", "Cold spot 95 %"),
                     ("gi-6", "Cold spot 99 %"), ("gi-7", "No Gi* class")]
    assert root.find("labeling/settings/text-style").get("fieldName") == "street_name"
    assert root.find("labeling/settings/rendering").get("scaleMax") == "10000"
    assert root.get("labelsEnabled") == "1"
    assert path.exists()


def test_geopackage_is_written_as_version_1_2_with_a_style_time_per_row(tmp_path):
    import sqlite3
    from contextlib import closing

    layers = {"segments": _lines(2, gi_bin=[0, 3], rate_per_100m=[0, 1.0]),
              "lamps": _points(2, status=["working", "Broken"])}
    path = export.write_geopackage(layers, tmp_path / "l.gpkg")
    with closing(sqlite3.connect(path)) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 10200
        times = [r[0] for r in con.execute("SELECT update_time FROM layer_styles")]
    assert len(times) == 3 and len({t[:19] for t in times}) == 3  # distinct to the second
    v14 = export.write_geopackage(layers, tmp_path / "v14.gpkg",
                                  settings=export.qgis_styles.QgisExportSettings(
                                      gpkg_version="1.4"))
    with closing(sqlite3.connect(v14)) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 10400


def test_object_booleans_are_written_as_a_geopackage_boolean(tmp_path):
    import pyogrio

    green = gpd.GeoDataFrame({"adopted": [True, False, None]},
                             geometry=[Point(0, 0).buffer(1)] * 3, crs=32722)
    path = export.write_geopackage({"green_areas": green}, tmp_path / "g.gpkg")
    info = pyogrio.read_info(path, layer="green_areas")
    assert dict(zip(info["fields"], info["dtypes"]))["adopted"] == "bool"
    assert green["adopted"].tolist() == [True, False, None]  # the input is not changed


def test_kml_patrol_folders_by_shift(tmp_path):
    patrol = _lines(3, shift=["06–14", "14–22", "06–14"], street_name=["a", "b", "c"])
    path = export.write_kml({"patrol": patrol}, tmp_path / "p.kml")
    root = ET.parse(path).getroot()
    ns = "{http://www.opengis.net/kml/2.2}"
    folder = root.find(f"{ns}Document/{ns}Folder")
    sub = {f.find(f"{ns}name").text: len(f.findall(f"{ns}Placemark"))
           for f in folder.findall(f"{ns}Folder")}
    assert sub == {"Shift 06–14": 2, "Shift 14–22": 1}


def test_geopackage_style_options_are_checked_together(tmp_path):
    bad = export.qgis_styles.QgisExportSettings(gpkg_version="2.0", label_max_scale=0)
    with pytest.raises(ValidationError, match=r"lang: expected .*'fr'.*privacy_k: expected a "
                       r"whole number ≥ 1 or None, got 0.*gpkg_version: expected one of "
                       r"\['1.2', '1.3', '1.4'\], got '2.0'.*label_max_scale"):
        export.write_geopackage({"lamps": _points(1, status=["working"])}, tmp_path / "x.gpkg",
                                lang="fr", privacy_k=0, settings=bad)
    assert not (tmp_path / "x.gpkg").exists()
