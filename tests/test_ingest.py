"""Reading incidents: formats, encodings, delimiters, coordinates, times, and every reject reason."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from hotspots import CRSError, ValidationError
from hotspots.ingest import read_incidents, read_layer

HEADER = "incident_id,occurred_at,category,lat,lon,address\n"


def write(tmp_path, text, name="inc.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_basic_csv_and_timezone(tmp_path):
    p = write(tmp_path, HEADER + "A1,2026-11-20T22:15:00,roubo,-31.77,-52.34,\n"
                                 "A2,2026-11-21 03:00,furto,-31.78,-52.35,\n")
    r = read_incidents(p)
    assert r.rows_read == 2 and len(r.incidents) == 2 and len(r.rejects) == 0
    assert list(r.incidents.index) == ["A1", "A2"]
    t = r.incidents.loc["A1", "occurred_at"]
    assert str(t.tz) == "America/Sao_Paulo" and t.hour == 22
    assert t.utcoffset().total_seconds() == -3 * 3600
    assert r.incidents.crs.to_epsg() == 4326
    assert r.incidents.geometry.iloc[0].equals(Point(-52.34, -31.77))
    assert len(r.sha256) == 64


def test_latin1_semicolon_decimal_comma_brazilian_dates(tmp_path):
    text = ("numero_bo;data_hora;natureza;latitude;longitude;endereço\n"
            "B1;20/11/2026 22:15;lesão corporal;-31,7700;-52,3400;\n"
            "B2;21/11/2026 07:05;furto;-31,7800;-52,3500;R. Gonçalves Chaves, 1234\n")
    p = write(tmp_path, text, encoding="latin-1")
    r = read_incidents(p)
    assert r.encoding in {"cp1252", "latin-1"} and r.delimiter == ";"
    assert r.time_format == "%d/%m/%Y %H:%M"
    assert r.incidents.loc["B1", "category"] == "lesão corporal"
    assert r.incidents.loc["B1", "occurred_at"].day == 20
    assert r.incidents.geometry.iloc[1].x == pytest.approx(-52.35)
    # explicit settings agree with detection
    r2 = read_incidents(p, encoding="latin-1", delimiter=";", time_format="%d/%m/%Y %H:%M")
    assert r2.incidents.equals(r.incidents)


def test_wrong_explicit_encoding_is_a_clear_error(tmp_path):
    p = write(tmp_path, HEADER + "A1,2026-11-20,lesão,-31.77,-52.34,\n", encoding="latin-1")
    with pytest.raises(ValidationError, match=r"not valid utf-8 at byte \d+ \(line 2\).*latin-1"):
        read_incidents(p, encoding="utf-8")


def test_utf8_bom_and_tab_delimiter(tmp_path):
    p = write(tmp_path, "\ufeffid\tdata\tlat\tlon\nX\t2026-01-01 10:00\t-31.7\t-52.3\n")
    r = read_incidents(p)
    assert r.delimiter == "\t" and list(r.incidents.index) == ["X"]
    assert r.incidents.loc["X", "category"] == "unspecified"


def test_xy_columns_need_crs(tmp_path):
    p = write(tmp_path, "id,occurred_at,x,y\nA,2026-01-01,370000,6484000\n")
    with pytest.raises(CRSError, match="coords_crs"):
        read_incidents(p)
    r = read_incidents(p, coords_crs="EPSG:31982")
    assert r.incidents.crs.to_epsg() == 31982
    assert r.incidents.geometry.iloc[0].equals(Point(370000, 6484000))


def test_configurable_column_names(tmp_path):
    p = write(tmp_path, "bo,quando,tipo,la,lo\n1,2026-03-01 10:00,roubo,-31.7,-52.3\n")
    r = read_incidents(p, id_column="bo", time_column="quando", lat_column="la", lon_column="lo")
    assert r.incidents.index[0] == "1"
    with pytest.raises(ValidationError, match=r"column 'nope' \(lat_column\) not found.*\['bo'"):
        read_incidents(p, lat_column="nope", lon_column="lo", time_column="quando")


def test_missing_coordinate_columns(tmp_path):
    p = write(tmp_path, "id,occurred_at,category\nA,2026-01-01,roubo\n")
    with pytest.raises(ValidationError, match=r"inc\.csv: no coordinate columns.*lat_column"):
        read_incidents(p)


def test_missing_time_column(tmp_path):
    p = write(tmp_path, "id,lat,lon\nA,-31.7,-52.3\n")
    with pytest.raises(ValidationError, match=r"no time column.*time_column="):
        read_incidents(p)


@pytest.mark.parametrize("text", ["", "   \n", HEADER])
def test_empty_files(tmp_path, text):
    p = write(tmp_path, text)
    with pytest.raises(ValidationError, match=r"empty|no data rows"):
        read_incidents(p)


def test_file_not_found_and_unknown_type(tmp_path):
    with pytest.raises(ValidationError, match="not found"):
        read_incidents(tmp_path / "nope.csv")
    p = write(tmp_path, "x", name="inc.xlsx")
    with pytest.raises(ValidationError, match="unknown file type"):
        read_incidents(p)


def test_whole_file_latlon_swapped_is_one_error(tmp_path):
    rows = "".join(f"A{i},2026-01-01,roubo,-122.4{i},37.7{i},\n" for i in range(5))
    p = write(tmp_path, HEADER + rows)
    with pytest.raises(ValidationError, match=r"appear swapped.*lat_column='lon', lon_column='lat'"):
        read_incidents(p)


def test_every_ingest_reject_reason(tmp_path):
    rows = [
        "G1,2026-01-01 10:00,roubo,-31.77,-52.34,",          # good
        "D1,2026-01-01 10:00,roubo,-31.77,-52.34,",          # good (first of a duplicate)
        "D1,2026-01-02 10:00,furto,-31.70,-52.30,",          # duplicate id
        "T1,,roubo,-31.77,-52.34,",                          # missing time
        "T2,ontem à noite,roubo,-31.77,-52.34,",             # unparseable time
        "T3,32/13/2026 25:99,roubo,-31.77,-52.34,",          # unparseable time
        "C1,2026-01-01 10:00,roubo,,,",                      # no coordinates, no address
        "C2,2026-01-01 10:00,roubo,abc,-52.34,",             # not a number
        "C3,2026-01-01 10:00,roubo,nan,inf,",                # NaN / inf
        "C4,2026-01-01 10:00,roubo,-152.34,-31.77,",         # swapped (lat beyond ±90)
        "C5,2026-01-01 10:00,roubo,95,200,",                 # out of range, not a swap
        "AD,2026-01-01 10:00,roubo,,,Rua XV de Novembro 100",  # address only: kept
        "AB,2026-01-01 10:00,roubo,nan,nan,Rua XV 100",      # bad coords but address: kept
    ]
    p = write(tmp_path, HEADER.replace("occurred_at", "occurred_at") + "\n".join(rows) + "\n")
    r = read_incidents(p, time_format="ISO8601")
    assert r.rows_read == len(rows)
    assert len(r.incidents) + len(r.rejects) == r.rows_read
    reasons = dict(zip(r.rejects.incident_id, r.rejects.reason))
    assert reasons == {
        "D1": "duplicate_id", "T1": "missing_time", "T2": "unparseable_time",
        "T3": "unparseable_time", "C1": "missing_location", "C2": "invalid_coordinates",
        "C3": "invalid_coordinates", "C4": "latlon_swapped", "C5": "invalid_coordinates",
    }
    dup = r.rejects.set_index("incident_id").loc["D1"]
    assert dup["source_row"] == 3 and "row 2" in dup["detail"]
    assert "ontem à noite" in r.rejects.set_index("incident_id").loc["T2", "detail"]
    # original fields are kept in the rejects table
    assert r.rejects.set_index("incident_id").loc["C2", "lat"] == "abc"
    assert set(r.incidents.index) == {"G1", "D1", "AD", "AB"}
    assert not r.incidents.loc["AD", "has_coordinates"] and r.incidents.loc["AD", "address"]
    assert not r.incidents.loc["AB", "has_coordinates"]


def test_time_format_that_matches_nothing(tmp_path):
    p = write(tmp_path, HEADER + "A,2026-01-01 10:00,roubo,-31.7,-52.3,\n")
    with pytest.raises(ValidationError, match=r"time_format='%d/%m/%Y'"):
        read_incidents(p, time_format="%d/%m/%Y")


def test_offsets_converted_and_dst_ambiguity(tmp_path):
    p = write(tmp_path, HEADER + "A,2026-01-01T13:00:00Z,roubo,-31.7,-52.3,\n"
                                 "B,2026-01-01T10:00:00-03:00,roubo,-31.7,-52.3,\n")
    r = read_incidents(p)
    a, b = r.incidents.loc["A", "occurred_at"], r.incidents.loc["B", "occurred_at"]
    assert a == b and a.hour == 10
    # 2018-02-17 23:30 happened twice in São Paulo (end of DST): standard time is taken
    p2 = write(tmp_path, HEADER + "C,17/02/2018 23:30,roubo,-31.7,-52.3,\n", name="dst.csv")
    c = read_incidents(p2).incidents.loc["C", "occurred_at"]
    assert c.utcoffset().total_seconds() == -3 * 3600


def test_unknown_timezone(tmp_path):
    p = write(tmp_path, HEADER + "A,2026-01-01,roubo,-31.7,-52.3,\n")
    with pytest.raises(ValidationError, match="IANA"):
        read_incidents(p, timezone="Brasil/Pelotas")


def _points_frame(crs="EPSG:4326"):
    return gpd.GeoDataFrame(
        {"id": ["P1", "P2", "P3"], "data_hora": ["2026-01-01 10:00"] * 3,
         "category": ["roubo", "furto", "roubo"], "vitima": ["x", "y", "z"]},
        geometry=[Point(-52.34, -31.77), None, LineString([(-52.3, -31.7), (-52.31, -31.71)])],
        crs=crs,
    )


@pytest.mark.parametrize("suffix,driver", [(".gpkg", "GPKG"), (".geojson", "GeoJSON"),
                                           (".shp", "ESRI Shapefile"), (".parquet", None)])
def test_vector_formats(tmp_path, suffix, driver):
    p = tmp_path / f"inc{suffix}"
    frame = _points_frame()
    if driver == "ESRI Shapefile":  # one geometry type per Shapefile
        frame.loc[2, "geometry"] = Point(np.nan, np.nan)
    if driver is None:
        frame.to_parquet(p)
    else:
        frame.to_file(p, driver=driver, engine="pyogrio")
    r = read_incidents(p)
    assert r.rows_read == 3
    assert list(r.incidents.index) == ["P1"]
    reasons = dict(zip(r.rejects.incident_id, r.rejects.reason))
    # a NaN point comes back from a Shapefile as an empty point
    expected_p3 = "missing_location" if driver == "ESRI Shapefile" else "invalid_geometry"
    assert reasons == {"P2": "missing_location", "P3": expected_p3}
    assert r.incidents.crs.to_epsg() == 4326


def test_vector_without_crs(tmp_path):
    p = tmp_path / "nocrs.geojson"
    p.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
                 '{"id":"A","occurred_at":"2026-01-01"},"geometry":{"type":"Point",'
                 '"coordinates":[370000,6484000]}}]}')
    # GeoJSON is WGS 84 by definition; a Shapefile without .prj has no CRS
    frame = _points_frame().iloc[:1]
    shp = tmp_path / "nocrs.shp"
    frame.to_file(shp, engine="pyogrio")
    shp.with_suffix(".prj").unlink()
    with pytest.raises(CRSError, match=r"nocrs\.shp: the layer has no CRS.*\.prj"):
        read_incidents(shp)


def test_read_layer_checks(tmp_path):
    frame = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs="EPSG:31982")
    p = tmp_path / "lamps.gpkg"
    frame.to_file(p, layer="lamps", engine="pyogrio")
    assert len(read_layer(p, layer="lamps", what="lamp", geometry_types=("Point",))) == 1
    with pytest.raises(ValidationError, match=r"lamps.gpkg \(layer 'lamps'\): the street layer must "
                                              r"hold LineString"):
        read_layer(p, layer="lamps", what="street", geometry_types=("LineString",))
    with pytest.raises(ValidationError, match="not found"):
        read_layer(tmp_path / "none.gpkg")


def test_ids_generated_when_absent_and_inputs_untouched(tmp_path):
    p = write(tmp_path, "occurred_at,lat,lon\n2026-01-01,-31.7,-52.3\n2026-01-02,-31.7,-52.3\n")
    before = p.read_bytes()
    r = read_incidents(p)
    assert list(r.incidents.index) == ["row-1", "row-2"]
    assert any("row-<n>" in n for n in r.notes)
    assert p.read_bytes() == before


def test_large_csv_is_vectorised(tmp_path):
    n = 50_000
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"id": np.arange(n), "occurred_at": "2026-01-01 10:00",
                       "lat": rng.uniform(-31.8, -31.7, n), "lon": rng.uniform(-52.4, -52.3, n)})
    p = tmp_path / "big.csv"
    df.to_csv(p, index=False)
    r = read_incidents(p)
    assert len(r.incidents) == n and len(r.rejects) == 0


def test_native_datetime_column_with_missing_value(tmp_path):
    """GeoParquet/GeoPackage/PostGIS give real datetimes; a missing one is a reject, not a crash."""
    frame = gpd.GeoDataFrame(
        {"id": ["a", "b"], "occurred_at": pd.to_datetime(["2026-01-01 10:00", None])},
        geometry=[Point(-52.3, -31.7), Point(-52.3, -31.7)], crs=4326)
    p = tmp_path / "native.parquet"
    frame.to_parquet(p)
    r = read_incidents(p, timezone="America/Sao_Paulo")
    assert list(r.incidents.index) == ["a"]
    assert r.incidents.loc["a", "occurred_at"] == pd.Timestamp("2026-01-01 10:00",
                                                               tz="America/Sao_Paulo")
    assert dict(zip(r.rejects.incident_id, r.rejects.reason)) == {"b": "missing_time"}


def test_unterminated_last_line_is_rejected_as_truncated(tmp_path):
    # the file is still being written: its last row stops mid-field
    p = write(tmp_path, HEADER + "A1,2026-11-20T22:15:00,roubo,-31.77,-52.34,\n"
                                 "A2,2026-11-21 03:00,furto,-31.78,-52.3")
    r = read_incidents(p)
    assert r.rows_read == 2 and list(r.incidents.index) == ["A1"]
    rej = r.rejects.set_index("incident_id")
    assert rej.loc["A2", "reason"] == "truncated_row"
    assert rej.loc["A2", "source_row"] == 2
    assert "line break" in rej.loc["A2", "detail"]
    assert any("truncated_row" in n for n in r.notes)
    # the same row with its line break is read
    ok = write(tmp_path, HEADER + "A1,2026-11-20T22:15:00,roubo,-31.77,-52.34,\n"
                                  "A2,2026-11-21 03:00,furto,-31.78,-52.35,\r\n", name="ok.csv")
    assert len(read_incidents(ok).incidents) == 2
