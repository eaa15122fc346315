"""PostGIS round trip against a real PostgreSQL + PostGIS server (started by .ci/run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots import postgis, sample
from hotspots._errors import ValidationError

pytestmark = pytest.mark.postgis
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def schema(pg_dsn):
    """A fresh schema for one test, dropped afterwards."""
    import psycopg

    name = f"hs_test_{os.getpid()}_{np.random.default_rng().integers(1e9)}"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    yield name
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {name} CASCADE")
        for out in ("out", "out2"):
            conn.execute(f"DROP SCHEMA IF EXISTS {name}_{out} CASCADE")


def _load_sample(dsn: str, schema: str) -> None:
    """Load the sample incidents and streets with plain SQL (independent of hotspots.postgis)."""
    import psycopg

    raw = pd.read_csv(sample.incidents_path(), dtype=str, keep_default_na=False)
    when = pd.to_datetime(raw["occurred_at"], format="%d/%m/%Y %H:%M", errors="coerce")
    when = when.dt.tz_localize(sample.TIMEZONE, ambiguous="NaT", nonexistent="NaT")
    lat = pd.to_numeric(raw["lat"], errors="coerce")
    lon = pd.to_numeric(raw["lon"], errors="coerce")
    streets = sample.load_layer("streets")
    with psycopg.connect(dsn) as conn:
        conn.execute(f"""CREATE TABLE {schema}.ocorrencias (
            incident_id text, occurred_at timestamptz, category text, address text, bairro text,
            narrativa text, geom geometry(Point, 4326))""")
        with conn.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {schema}.ocorrencias VALUES (%s, %s, %s, %s, %s, %s, "
                "CASE WHEN %s::float8 IS NULL THEN NULL "
                "ELSE ST_SetSRID(ST_MakePoint(%s, %s), 4326) END)",
                [(r.incident_id, None if pd.isna(t) else t.to_pydatetime(), r.category,
                  r.address, r.bairro, r.narrativa,
                  None if np.isnan(x) or np.isnan(y) else float(x), x, y)
                 for r, t, x, y in zip(raw.itertuples(), when, lon.fillna(np.nan),
                                       lat.fillna(np.nan))])
            conn.execute(f"CREATE TABLE {schema}.ruas (osm_id bigint, name text, "
                         "geom geometry(LineString, 4326))")
            cur.executemany(
                f"INSERT INTO {schema}.ruas VALUES (%s, %s, ST_GeomFromWKB(%s, 4326))",
                [(int(o), n, shapely.to_wkb(g)) for o, n, g in
                 zip(streets["osm_id"], streets["name"], streets.geometry)])


def _config(tmp_path: Path, schema: str, *, from_db: bool) -> Path:
    text = (REPO / "examples" / "sample_city.toml").read_text(encoding="utf-8")
    text = text.replace('"../hotspots/', f'"{REPO}/hotspots/').replace(
        'output_root = "../runs"', f'output_root = "{tmp_path}/runs"')
    if from_db:
        text = "\n".join(line for line in text.splitlines()
                         if not line.startswith(("incidents =", "streets =", "streets_layer")))
        text = text.replace('lat = "lat"\nlon = "lon"\n', "")
        text += (f'\n[postgis]\ndsn_env = "HOTSPOTS_TEST_PG_DSN"\n'
                 f'incidents_query = "SELECT * FROM {schema}.ocorrencias ORDER BY incident_id"\n'
                 f'streets_table = "{schema}.ruas"\nwrite_schema = "{schema}_out"\n')
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / ("db.toml" if from_db else "files.toml")
    path.write_text(text, encoding="utf-8")
    return path


def _weekly(config: Path, dsn: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "HOTSPOTS_TEST_PG_DSN": dsn}
    return subprocess.run([sys.executable, "-m", "hotspots", "weekly", "--config", str(config),
                           "--week", "2026-W47", "-q", *args],
                          capture_output=True, text=True, env=env, timeout=600)


@pytest.mark.slow  # a subprocess run of the CLI: out of the fast inner loop
def test_weekly_round_trip_through_postgis(pg_dsn, schema, tmp_path):
    import psycopg

    _load_sample(pg_dsn, schema)
    db = _weekly(_config(tmp_path / "db", schema, from_db=True), pg_dsn)
    assert db.returncode == 0, db.stderr
    files = _weekly(_config(tmp_path / "files", schema, from_db=False), pg_dsn)
    assert files.returncode == 0, files.stderr

    manifest = json.loads((tmp_path / "db/runs/2026-W47/manifest.json").read_text())
    assert manifest["inputs"]["incidents"]["path"] == "postgis:query"
    assert manifest["inputs"]["streets"]["path"] == f"postgis:{schema}.ruas"
    assert manifest["inputs"]["incidents"]["rows"] == 6008
    written = manifest["counts"]["postgis_layers"]
    seg_table = f"{schema}_out.segments_2026_w47"
    assert written[seg_table] == 269

    # read the written layer back (with hotspots' reader and with plain SQL) and compare
    back = postgis.read_frame(pg_dsn, table=seg_table)
    assert isinstance(back, gpd.GeoDataFrame) and back.crs.to_epsg() == 32635
    with psycopg.connect(pg_dsn) as conn:
        n, total, srid = conn.execute(
            f"SELECT count(*), sum(count), max(ST_SRID(geometry)) FROM {seg_table}").fetchone()
        tables = {r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (f"{schema}_out",))}
    assert (n, srid) == (269, 32635)
    assert total == manifest["counts"]["incidents_week"] == back["count"].sum()
    assert {"segments_2026_w47", "weekly_totals_2026_w47"} <= tables
    assert not any(t.startswith("incidents") for t in tables)  # no incident points in the DB

    # the same week from files: same segments, same counts per segment
    ref = gpd.read_file(tmp_path / "files/runs/2026-W47/layers.gpkg", layer="segments")
    a = back.set_index("segment_id")["count"].sort_index()
    b = ref.set_index("segment_id")["count"].sort_index()
    pd.testing.assert_series_equal(a, b, check_dtype=False)
    geo_a = back.set_index("segment_id").geometry.sort_index()
    geo_b = ref.set_index("segment_id").geometry.sort_index()
    assert shapely.equals_exact(geo_a.to_numpy(), geo_b.to_numpy(), tolerance=1e-6).all()


def test_read_frame_query_types_and_errors(pg_dsn, schema):
    import psycopg

    with psycopg.connect(pg_dsn) as conn:
        conn.execute(f"CREATE TABLE {schema}.t (id int, at timestamptz, g geometry)")
        conn.execute(f"INSERT INTO {schema}.t VALUES (1, '2026-11-16 10:00+02', "
                     "ST_SetSRID(ST_MakePoint(1, 2), 31982)), (2, NULL, NULL)")
        conn.execute(f"CREATE TABLE {schema}.mixed (g geometry)")
        conn.execute(f"INSERT INTO {schema}.mixed VALUES (ST_SetSRID(ST_MakePoint(0, 0), 4326)), "
                     "(ST_SetSRID(ST_MakePoint(0, 0), 31982))")
    got = postgis.read_frame(pg_dsn, query=f"SELECT * FROM {schema}.t ORDER BY id;")
    assert got.crs.to_epsg() == 31982
    assert got.geometry.iloc[0].equals(shapely.Point(1, 2)) and got.geometry.iloc[1] is None
    assert got["at"].iloc[0] == pd.Timestamp("2026-11-16 08:00", tz="UTC")
    plain = postgis.read_frame(pg_dsn, query=f"SELECT id FROM {schema}.t")
    assert not isinstance(plain, gpd.GeoDataFrame) and len(plain) == 2
    with pytest.raises(ValidationError, match="mixed SRIDs"):
        postgis.read_frame(pg_dsn, table=f"{schema}.mixed")
    with pytest.raises(ValidationError, match="not a table name"):
        postgis.read_frame(pg_dsn, table="x; DROP TABLE y")
    with pytest.raises(ValidationError, match="PostgreSQL rejected"):
        postgis.read_frame(pg_dsn, table=f"{schema}.nope")


def test_write_frames_types_and_atomicity(pg_dsn, schema):
    import psycopg

    frame = gpd.GeoDataFrame({
        "n": np.array([1, 2], dtype=np.int64), "x": [0.5, np.nan], "ok": [True, False],
        "name": ["Rua A", None],
        "at": pd.to_datetime(["2026-11-16 10:00", "2026-11-17 11:00"]).tz_localize("UTC"),
    }, geometry=[shapely.LineString([(0, 0), (1, 1)]), None], crs=31982,
        index=pd.Index([10, 11], name="segment_id"))
    out = postgis.write_frames(pg_dsn, f"{schema}_out2", {"layer": frame,
                                                          "attrs": pd.DataFrame({"a": [1]})})
    assert out == {f"{schema}_out2.layer": 2, f"{schema}_out2.attrs": 1}
    back = postgis.read_frame(pg_dsn, query=f"SELECT * FROM {schema}_out2.layer ORDER BY n")
    assert back["segment_id"].tolist() == [10, 11]
    assert back["ok"].tolist() == [True, False] and pd.isna(back["name"].iloc[1])
    assert back["at"].tolist() == frame["at"].tolist()
    assert back.geometry.iloc[0].equals(frame.geometry.iloc[0]) and back.crs.to_epsg() == 31982
    # a failing layer rolls back the whole write: the earlier tables keep their old rows
    with pytest.raises(ValidationError, match="not a valid table name"):
        postgis.write_frames(pg_dsn, f"{schema}_out2", {"layer": frame.iloc[:1], "bad-name": frame})
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute(f"SELECT count(*) FROM {schema}_out2.layer").fetchone()[0] == 2


def test_dsn_resolution(monkeypatch):
    from hotspots.config import PostgisSettings

    cfg = PostgisSettings(dsn_env="HS_TEST_NO_SUCH_VAR")
    monkeypatch.delenv("HS_TEST_NO_SUCH_VAR", raising=False)
    with pytest.raises(ValidationError, match="not set"):
        postgis.resolve_dsn(cfg)
    monkeypatch.setenv("HS_TEST_NO_SUCH_VAR", "postgresql://a@b/c")
    assert postgis.resolve_dsn(cfg) == "postgresql://a@b/c"
    with pytest.raises(ValidationError, match="needs dsn"):
        postgis.resolve_dsn(PostgisSettings())
