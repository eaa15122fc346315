"""The prepare step: a state-wide CSV split by IBGE code or by boundary, every record accounted
for, boundaries cut from the municipal layer, PostGIS queries that read each point once."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from hotspots.state.sources import PrepareSpec, boundary_queries, prepare

CODES = ("4300001", "4300002", "4314407")


def _layer(tmp_path):
    """Three municipalities: two unit squares sharing the border x = 1, and one apart."""
    polys = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(5, 5, 6, 6)]
    gdf = gpd.GeoDataFrame({"cd_mun": list(CODES), "nm_mun": ["A", "B", "Pelotas"]},
                           geometry=polys, crs="EPSG:4674")
    path = tmp_path / "mun.geojson"
    gdf.to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


ROWS = [  # id; code; lat; lon (decimal commas, Latin-1 text)
    ("1", "4300001", "0,5", "0,5", "Rua São João"),
    ("2", "430000", "0,5", "1,5", "Av. Brasil"),  # 6 digits: the code without check digit
    ("3", " 4314407 ", "5,5", "5,5", "Praça"),
    ("4", "", "0,5", "1,0", "na divisa"),  # on the shared border x = 1
    ("5", "9999999", "9", "9", "fora"),
    ("6", "4314407.0", "", "", "sem coordenadas"),
    ("7", "4300002", "0,25", "1,75", "Rua; com ponto e vírgula"),
]


def _csv(tmp_path):
    frame = pd.DataFrame(ROWS, columns=["id", "cod_ibge", "latitude", "longitude", "endereco"])
    path = tmp_path / "estado.csv"
    frame.to_csv(path, sep=";", index=False, encoding="cp1252")
    return path, frame


def _spec(tmp_path, **kw):
    path, _ = _csv(tmp_path)
    base = dict(folder=str(tmp_path / "inputs" / "2026-W47"), codes=CODES,
                boundary_codes=CODES, boundaries=str(_layer(tmp_path)), source="file",
                path=str(path), code_column="cod_ibge", chunk_rows=1000,
                names={"4314407": "Pelotas"})
    base.update(kw)
    return PrepareSpec(**base)


def _read(path):
    return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="cp1252")  # the source's encoding


def test_split_by_code_keeps_every_row_as_read_and_lists_the_unassigned(tmp_path):
    spec = _spec(tmp_path, chunk_rows=2)  # several chunks
    out = prepare(spec)
    _, original = _csv(tmp_path)
    ids = {c: _read(out[c]["incidents"])["id"].tolist() for c in CODES}
    assert ids == {"4300001": ["1"], "4300002": ["2", "7"], "4314407": ["3", "6"]}
    # rows are written as read: same text in every column (accents, decimal commas, ';')
    back = pd.concat([_read(out[c]["incidents"]) for c in CODES]).set_index("id").sort_index()
    pd.testing.assert_frame_equal(back, original.set_index("id").loc[back.index])
    s = out["_summary"]
    assert s["rows_read"] == 7 and s["assigned"] == 5
    assert s["unassigned"] == {"no_municipality_code": 1, "unknown_municipality_code": 1}
    assert s["per_municipality"] == {"4300001": 1, "4300002": 2, "4314407": 2}
    lost = pd.read_csv(tmp_path / "inputs" / "2026-W47" / "unassigned.csv", dtype=str,
                       keep_default_na=False)
    assert lost.to_dict(orient="list") == {"source_row": ["4", "5"],
                                           "reason": ["no_municipality_code",
                                                      "unknown_municipality_code"],
                                           "value": ["", "9999999"]}
    assert s["delimiter"] == ";" and s["encoding"] == "cp1252"
    # boundaries cut from the layer, one polygon each
    b = gpd.read_file(out["4300002"]["boundary"])
    assert len(b) == 1 and b.geometry.iloc[0].equals(shapely.box(1, 0, 2, 1))


def test_split_by_boundary_gives_a_shared_border_to_the_smaller_code(tmp_path):
    out = prepare(_spec(tmp_path, filter="boundary", code_column=None))
    ids = {c: _read(out[c]["incidents"])["id"].tolist() for c in CODES}
    assert ids == {"4300001": ["1", "4"], "4300002": ["2", "7"], "4314407": ["3"]}
    assert out["_summary"]["unassigned"] == {"no_coordinates": 1,
                                             "outside_every_municipality": 1}
    assert out["_summary"]["assigned"] + 2 == out["_summary"]["rows_read"] == 7


def test_a_rerun_reuses_the_split_until_the_source_changes(tmp_path):
    spec = _spec(tmp_path)
    first = prepare(spec)
    done = tmp_path / "inputs" / "2026-W47" / "prepared.json"
    stamp = done.stat().st_mtime_ns
    assert prepare(spec) == first and done.stat().st_mtime_ns == stamp
    path = tmp_path / "estado.csv"
    path.write_text(path.read_text(encoding="cp1252") + "8;4300001;0,1;0,1;nova\n",
                    encoding="cp1252")
    again = prepare(spec)
    assert again["_summary"]["rows_read"] == 8
    assert json.loads(done.read_text(encoding="utf-8"))["result"] == again


def test_a_code_missing_from_the_layer_is_that_citys_error(tmp_path):
    spec = _spec(tmp_path, codes=(*CODES, "4399999"), boundary_codes=(*CODES, "4399999"),
                 names={"4399999": "Nova"})
    out = prepare(spec)
    assert "4399999 (Nova) is not in the boundaries layer" in out["4399999"]["error"]
    assert "incidents" not in out["4399999"] and "boundary" in out["4300001"]


def test_errors_name_the_file_and_the_fix(tmp_path):
    from hotspots._errors import ValidationError

    with pytest.raises(ValidationError, match=r"no column 'municipio'.*the columns are"):
        prepare(_spec(tmp_path, code_column="municipio"))
    gpkg = tmp_path / "estado.gpkg"
    gpkg.write_bytes(b"x")
    with pytest.raises(ValidationError, match="split as CSV"):
        prepare(_spec(tmp_path, path=str(gpkg)))


@pytest.mark.postgis
def test_postgis_boundary_queries_read_each_point_once(tmp_path, pg_dsn):
    import psycopg

    layer = gpd.read_file(_layer(tmp_path)).set_index("cd_mun")[["geometry"]]
    spec = _spec(tmp_path, source="postgis", filter="boundary", table="state_test_points")
    queries = boundary_queries(spec, layer)
    with psycopg.connect(pg_dsn) as conn:
        conn.execute("DROP TABLE IF EXISTS state_test_points")
        conn.execute("CREATE TABLE state_test_points (id int, geom geometry(Point, 4326))")
        for i, (x, y) in enumerate([(0.5, 0.5), (1.0, 0.5), (1.5, 0.5), (5.5, 5.5), (9, 9)]):
            conn.execute("INSERT INTO state_test_points VALUES (%s, ST_SetSRID(ST_MakePoint(%s,"
                         " %s), 4326))", (i, x, y))
        got = {c: sorted(r[0] for r in conn.execute(q).fetchall()) for c, q in queries.items()}
        conn.execute("DROP TABLE state_test_points")
    assert got == {"4300001": [0, 1], "4300002": [2], "4314407": [3]}
