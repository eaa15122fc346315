"""Exports read back: GeoPackage + QGIS styles, GeoJSON, KML (GDAL and ElementTree), GeoTIFF."""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from contextlib import closing

import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
from test_maps import EVIL, synthetic_overlays, synthetic_segments

from hotspots import export, privacy
from hotspots import symbology as sym
from hotspots._errors import OutputExistsError, ValidationError

KML = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture(scope="module")
def layers():
    ov = synthetic_overlays()
    return {"segments": synthetic_segments(), "lamps": ov["lamps"], "dark_gaps": ov["dark_gaps"],
            "green_areas": ov["green_areas"], "boundary": ov["boundary"],
            "counts_by_week": pd.DataFrame({"segment_id": [100], "week": ["2026-W36"],
                                            "count": [4]})}


@pytest.fixture(scope="module")
def gpkg(layers, tmp_path_factory):
    return export.write_geopackage(layers, tmp_path_factory.mktemp("g") / "layers.gpkg")


def _styles(path):
    with closing(sqlite3.connect(path)) as con:
        return con.execute("SELECT f_table_name, f_geometry_column, styleName, styleQML, "
                           "useAsDefault FROM layer_styles ORDER BY id").fetchall()


def test_geopackage_layers_round_trip(gpkg, layers):
    listed = {name for name, _ in pyogrio.list_layers(gpkg)}
    assert set(layers) | {"layer_styles"} == listed
    seg = pyogrio.read_dataframe(gpkg, layer="segments")
    assert len(seg) == len(layers["segments"]) and seg.crs.to_epsg() == 32722
    assert seg["segment_id"].tolist() == layers["segments"].index.tolist()
    assert seg.loc[0, "street_name"] == EVIL  # data stays data in the analyst's file


def test_layer_styles_hold_parseable_qml_with_the_web_map_classes(gpkg):
    rows = _styles(gpkg)
    by_layer = {}
    for table, geom_col, name, qml, default in rows:
        assert geom_col == "geom"
        by_layer.setdefault(table, []).append((name, default))
        root = ET.fromstring(qml.split("\n", 1)[1])  # drop the DOCTYPE line
        assert root.tag == "qgis" and root.find("renderer-v2") is not None
    assert by_layer["segments"][0] == ("Hot spots (Gi*)", 1)
    assert {n for n, _ in by_layer["segments"]} == {"Hot spots (Gi*)", "Incidents per 100 m"}
    assert sum(d for _, d in by_layer["segments"]) == 1
    assert "counts_by_week" not in by_layer  # attribute tables have no style
    gi = next(q for t, _, n, q, _ in rows if n == "Hot spots (Gi*)")
    root = ET.fromstring(gi.split("\n", 1)[1])
    rules = [(r.get("filter"), r.get("label")) for r in root.iter("rule")]
    assert rules == [(f'"gi_bin" = {c.value}', c.label) for c in sym.GI_CLASSES]
    colors = [o.get("value") for o in root.iter("Option") if o.get("name") == "line_color"]
    assert colors[0] == "214,47,39,255"  # ArcGIS's hot 99 % red, as on the web map


def test_rates_style_has_the_map_breaks_as_rules(gpkg, layers):
    qml = next(q for _, _, n, q, _ in _styles(gpkg) if n == "Incidents per 100 m")
    root = ET.fromstring(qml.split("\n", 1)[1])
    labels = [r.get("label") for r in root.iter("rule")]
    assert labels == [r.label for r in sym.rate_classes(layers["segments"]["rate_per_100m"])]
    assert root.find("renderer-v2").get("type") == "RuleRenderer"
    filters = [r.get("filter") for r in root.iter("rule")]
    assert filters[0] == '"rate_per_100m" = 0'  # then lower < v <= upper, the map's rule
    assert filters[1].startswith('"rate_per_100m" > 0 AND "rate_per_100m" <= ')


def test_geopackage_refuses_to_overwrite(gpkg, layers):
    with pytest.raises(OutputExistsError, match="overwrite"):
        export.write_geopackage(layers, gpkg)


def test_geojson_is_wgs84_with_all_rows(layers, tmp_path):
    path = export.write_geojson(layers["segments"], tmp_path / "segments.geojson")
    back = pyogrio.read_dataframe(path)
    assert back.crs.to_epsg() == 4326 and len(back) == len(layers["segments"])
    assert "segment_id" in back.columns
    x0 = back.geometry.iloc[0].coords[0][0]
    assert -53 < x0 < -50  # UTM 22S near Pelotas → about 51° W
    assert len(str(x0).split(".")[1]) <= 6
    with pytest.raises(ValidationError, match="GeoDataFrame"):
        export.write_geojson(pd.DataFrame({"a": [1]}), tmp_path / "x.geojson")


def test_kml_reads_back_with_gdal_and_is_styled_by_gi_class(layers, tmp_path):
    seg = layers["segments"]
    path = export.write_kml({"segments": seg, "lamps": layers["lamps"],
                             "green_areas": layers["green_areas"]}, tmp_path / "layers.kml")
    root = ET.parse(path).getroot()
    doc = root.find(f"{KML}Document")
    style_ids = {s.get("id") for s in doc.findall(f"{KML}Style")}
    assert "segments-gip3" in style_ids and "segments-gim3" in style_ids
    gi_folder = doc.find(f"{KML}Folder")
    assert gi_folder.find(f"{KML}name").text == "Hot spots (Gi*)"
    sub = {f.find(f"{KML}name").text: len(f.findall(f"{KML}Placemark"))
           for f in gi_folder.findall(f"{KML}Folder")}
    expected = pd.Series(seg["gi_bin"]).map(lambda v: sym.gi_category(v).label).value_counts()
    assert sub == expected.to_dict()
    names = [p.find(f"{KML}name").text for p in root.iter(f"{KML}Placemark")]
    assert f"{EVIL} — Hot spot 99 %" in names  # escaped in the file; it parses back as text
    assert "<script>" not in path.read_text(encoding="utf-8")
    assert "http://maps.google" not in path.read_text(encoding="utf-8")
    total = sum(len(pyogrio.read_dataframe(path, layer=n)) for n, _ in pyogrio.list_layers(path))
    assert total == len(seg) + 3 + 2  # GDAL's KML reader finds every placemark
    some = pyogrio.read_dataframe(path, layer=pyogrio.list_layers(path)[0][0])
    assert some.crs.to_epsg() == 4326


def test_raster_geotiff_and_qml(tmp_path):
    kde = synthetic_overlays()["rasters"]["kde"]
    tif, qml = export.write_raster(kde, tmp_path / "kde.tif")
    with rasterio.open(tif) as src:
        assert src.crs.to_epsg() == 32722 and src.shape == kde.array.shape
        np.testing.assert_allclose(src.read(1), kde.array, equal_nan=True)
    root = ET.fromstring(qml.read_text(encoding="utf-8").split("\n", 1)[1])
    items = list(root.iter("item"))
    assert root.find("pipe/rasterrenderer").get("type") == "singlebandpseudocolor"
    assert items[0].get("alpha") == "0" and items[-1].get("value") == "inf"
    assert "incidents per km²" in items[1].get("label")


def test_csv_has_no_geometry_and_keeps_the_index(layers, tmp_path):
    path = export.write_csv(layers["segments"], tmp_path / "priority.csv")
    back = pd.read_csv(path)
    assert "geometry" not in back.columns and back["segment_id"].iloc[0] == 100


def test_liaison_geopackage_carries_no_personal_field(layers, tmp_path):
    liaison = privacy.liaison_tables(layers, k=3)
    path = export.write_geopackage(liaison, tmp_path / "liaison.gpkg")
    seg = pyogrio.read_dataframe(path, layer="segments")
    assert not {"vitima_nome", "narrativa", "cpf"} & set(seg.columns)
    assert seg["suppressed"].any() and not seg["count"].isin([1, 2]).any()
    assert not seg["night_count"].isin([1, 2]).any()
    assert seg.loc[seg["count"].isna(), "rate_per_100m"].isna().all()
    assert "counts_by_week" not in {n for n, _ in pyogrio.list_layers(path)}
    raw = path.read_bytes()
    assert b"Fulana de Tal" not in raw and b"relato secreto" not in raw


# --- issue 17: GeoJSON by vectorised serialisers, KML for Google Earth in words ------------


def test_geojson_reads_back_as_gdals_rfc7946_writer(layers, tmp_path):
    """Each layer's file reads back with the values, types and geometries GDAL's RFC 7946
    writer gives (coordinates within its 6 decimals)."""
    import geopandas as gpd
    import shapely

    from hotspots.export.gpkg import prepare_table

    for name, frame in layers.items():
        if not isinstance(frame, gpd.GeoDataFrame):
            continue
        ours = export.write_geojson(frame, tmp_path / f"{name}.geojson")
        ref = tmp_path / f"{name}_gdal.geojson"
        pyogrio.write_dataframe(prepare_table(frame).to_crs(4326), ref, driver="GeoJSON",
                                layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": "6",
                                               "WRITE_NAME": "NO"})
        a, b = pyogrio.read_dataframe(ours), pyogrio.read_dataframe(ref)
        assert list(a.columns) == list(b.columns), name
        for col in a.columns:
            if col == "geometry":
                assert all(shapely.normalize(x).equals_exact(shapely.normalize(y), 1.5e-6)
                           for x, y in zip(a.geometry, b.geometry)), name
            else:
                assert a[col].dtype == b[col].dtype, (name, col)
                pd.testing.assert_series_equal(a[col], b[col], check_exact=False, rtol=1e-12)
    import json

    text = (tmp_path / "green_areas.geojson").read_text(encoding="utf-8")
    doc = json.loads(text)
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 2
    assert doc["features"][1]["properties"]["name"] == EVIL  # data, escaped by JSON only
    ring = np.asarray(doc["features"][0]["geometry"]["coordinates"][0])
    area2 = np.sum(ring[:-1, 0] * ring[1:, 1] - ring[1:, 0] * ring[:-1, 1])
    assert area2 > 0  # exterior ring counter-clockwise (RFC 7946 §3.1.6)


def test_kml_has_a_schema_balloons_and_placemarks_named_in_words(layers, tmp_path):
    from hotspots.export.kml import balloon_html

    seg = privacy.liaison_layer("segments", layers["segments"], k=3)
    # liaison_layer leaves out the classes the run's release recomputes on protected counts
    # (privacy.liaison_release with the statistics); the analyst's classes stand in here
    seg = seg.assign(gi_bin=layers["segments"]["gi_bin"].reindex(seg.index).to_numpy())
    path = export.write_kml({"segments": seg, "dark_gaps": layers["dark_gaps"]},
                            tmp_path / "l.kml", lang="pt", privacy_k=3)
    text = path.read_text(encoding="utf-8")
    root = ET.fromstring(text.encode("utf-8"))
    schema = root.find(f"{KML}Document/{KML}Schema")
    fields = {f.get("name"): f.findtext(f"{KML}displayName")
              for f in schema.findall(f"{KML}SimpleField")}
    assert fields["count"] == "Ocorrências" and fields["rate_per_100m"] == "Ocorrências por 100 m"
    styles = root.findall(f".//{KML}Style")
    assert styles and all(s.find(f"{KML}BalloonStyle/{KML}text") is not None for s in styles)
    names = [p.findtext(f"{KML}name") for p in root.iter(f"{KML}Placemark")]
    assert "Rua 1 — Ponto quente 99 %" in names
    assert f"{EVIL} — trecho escuro de 40 m" in names
    # a suppressed count is written in words, never as a number (1…k−1 stay hidden)
    k_rows = seg.reset_index()
    row = int(np.flatnonzero(k_rows["suppressed"].to_numpy())[0])
    marks = root.findall(f".//{KML}Placemark")
    by_name = [m for m in marks if m.find(f".//{KML}SimpleData[@name='segment_id']") is not None
               and m.find(f".//{KML}SimpleData[@name='segment_id']").text
               == str(k_rows.loc[row, "segment_id"])]
    by_name = by_name[0]
    count = by_name.find(f".//{KML}SimpleData[@name='count']").text
    assert count == "suprimido (menos de 3)"
    page = balloon_html(text, marks.index(by_name))
    assert "$[" not in page and "Ocorrências" in page and "suprimido (menos de 3)" in page
    assert "<script>" not in page


def test_kml_in_english_by_default(layers, tmp_path):
    path = export.write_kml({"segments": layers["segments"]}, tmp_path / "e.kml")
    root = ET.parse(path).getroot()
    assert root.find(f"{KML}Document/{KML}Folder/{KML}name").text == "Hot spots (Gi*)"
    p = root.find(f".//{KML}SimpleData[@name='gi_p_adj']")
    assert p is not None and (p.text.startswith("< 0.001") or p.text[0].isdigit())


def test_geopackage_through_arrow_equals_gdals_row_writer(layers, tmp_path):
    """The Arrow path (one columnar write per layer, one fsync at the end) gives the layers
    GDAL's row-by-row writer gives: same columns, types, values, geometries and CRS; an empty
    layer keeps its registered geometry type."""
    import geopandas as gpd

    from hotspots.export.gpkg import prepare_table

    tables = layers
    ours = export.write_geopackage(tables, tmp_path / "arrow.gpkg", styles=False)
    ref = tmp_path / "rows.gpkg"
    for name, frame in tables.items():
        table = prepare_table(frame)
        if not isinstance(table, gpd.GeoDataFrame):
            table = pd.DataFrame(table)
        pyogrio.write_dataframe(table, ref, layer=name, driver="GPKG", use_arrow=False)
    assert dict(pyogrio.list_layers(ours)) == dict(pyogrio.list_layers(ref))
    for name in tables:
        a = pyogrio.read_dataframe(ours, layer=name)
        b = pyogrio.read_dataframe(ref, layer=name)
        pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry", errors="ignore")),
                                      pd.DataFrame(b.drop(columns="geometry", errors="ignore")),
                                      check_exact=True)
        if "geometry" in b:
            assert a.crs == b.crs, name
            assert a.geometry.geom_equals_exact(b.geometry, 0).all(), name
    empty = export.write_geopackage({"dark_gaps": layers["dark_gaps"].iloc[0:0]},
                                    tmp_path / "empty.gpkg", styles=False)
    info = pyogrio.read_info(empty, layer="dark_gaps")
    assert info["features"] == 0 and info["geometry_type"] == "MultiLineString"


@pytest.mark.parametrize("dtype", ["str", "string", object])
def test_string_columns_kept_as_they_are_write_the_layer_objects_write(tmp_path, dtype):
    from hotspots.export.gpkg import prepare_table, write_frame

    seg = synthetic_segments().iloc[:6].copy()
    seg["street_name"] = pd.Series(["Rua Á", None, "", EVIL, "Rua Á", np.nan],
                                   index=seg.index, dtype=object).astype(dtype)
    seg["bairro"] = pd.Series(["Centro", "Fragata", None, "Centro", "Porto", "Centro"],
                              index=seg.index).astype(dtype)
    seg.index.name = "segment_id"
    dumps = []
    for keep in (False, True):
        path = tmp_path / f"keep{keep}.gpkg"
        write_frame(prepare_table(seg, keep_strings=keep), path, layer="segments", driver="GPKG")
        with closing(sqlite3.connect(path)) as con:
            dumps.append((con.execute('SELECT * FROM "segments"').fetchall(),
                          con.execute("SELECT sql FROM sqlite_master WHERE name = 'segments'")
                          .fetchone()))
    assert dumps[0] == dumps[1]
    back = pyogrio.read_dataframe(tmp_path / "keepTrue.gpkg", layer="segments")
    names = back["street_name"]
    assert names.isna().tolist() == [False, True, False, False, False, True]
    assert names.dropna().tolist() == ["Rua Á", "", EVIL, "Rua Á"]
    assert back["bairro"].isna().sum() == 1


def test_kml_says_in_words_why_a_liaison_value_is_empty():
    """The status columns ('min_length', 'k_rule') are written as the map's popup says them."""
    import pandas as pd

    from hotspots import i18n
    from hotspots.export.kml import _texts
    from hotspots.layers import Field

    codes = pd.Series(["min_length", "k_rule", "", None, "k_rule"], dtype="str")
    field = Field("count_status", "count_status", "text", 0)
    for lang in ("pt", "en"):
        got = _texts(codes, field, lang, None, 3)
        assert got == [i18n.text("map.js.withheld_short", lang),
                       i18n.text("words.withheld_k", lang, k=3), "", "",
                       i18n.text("words.withheld_k", lang, k=3)]
    assert _texts(codes, field, "pt", None, 3)[0] == "não mostrado (segmento curto demais)"
    assert _texts(codes, field, "pt", None, 3)[1] == "omitido (protege contagens abaixo de 3)"
