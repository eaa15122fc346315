"""State runs and partitioned snapping reading PostGIS: each municipality's rows by IBGE code in
the database, and a table read in key-range pages."""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd
import pyogrio
import pytest
from test_state_runner import BOUNDARIES, NOW, WEEK

from hotspots.state.config import state_config_from_dict
from hotspots.state.runner import run_state
from hotspots.state.synthetic import synthetic_state

pytestmark = [pytest.mark.postgis, pytest.mark.slow]
CODES = ["4300109", "4300208"]


def _load(conn, table: str, frame: pd.DataFrame) -> None:
    conn.execute(f"DROP TABLE IF EXISTS {table}")
    conn.execute(f"CREATE TABLE {table} (id text, data_hora timestamptz, natureza text, "
                 "cod_ibge text, geom geometry(Point, 4326))")
    with conn.cursor().copy(f"COPY {table} (id, data_hora, natureza, cod_ibge, geom) FROM "
                            "STDIN") as copy:
        for r in frame.itertuples():
            copy.write_row((r.id, r.when, r.natureza, r.cod_ibge,
                            f"SRID=4326;POINT({r.longitude} {r.latitude})"))


def test_a_state_read_from_postgis_by_code_equals_the_split_file(tmp_path, pg_dsn):
    import psycopg

    made = synthetic_state(tmp_path, boundaries=BOUNDARIES, codes=CODES, segments_total=400,
                           incidents_per_year=8000, min_segments=60, seed=3,
                           defaults={"statistics": {"permutations": 0,
                                                    "nkde_bandwidth_m": 0.0}})
    frame = pd.read_csv(made.incidents, dtype=str)
    frame["when"] = pd.to_datetime(frame["data_hora"], format="%d/%m/%Y %H:%M").dt.tz_localize(
        "America/Sao_Paulo")
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        _load(conn, "state_test_ocorrencias", frame)
    try:
        file_run = run_state(state_config_from_dict(
            tomllib.loads(made.config.read_text()), base=tmp_path), week=WEEK, now=NOW,
            sequential=True)
        data = tomllib.loads(made.config.read_text())
        data["state"]["output_root"] = "runs_pg"
        data["incidents"] = {"source": "postgis", "table": "public.state_test_ocorrencias",
                             "code_column": "cod_ibge"}
        data["defaults"]["postgis"] = {"dsn": pg_dsn}
        data["defaults"]["inputs"].pop("time_format")
        pg_run = run_state(state_config_from_dict(data, base=tmp_path), week=WEEK, now=NOW,
                           sequential=True)
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS state_test_ocorrencias")
    assert pg_run.exit_code == 0 == file_run.exit_code, [o.message for o in pg_run.outcomes]
    for a, b in zip(file_run.outcomes, pg_run.outcomes):
        sa = pyogrio.read_dataframe(f"{a.folder}/layers.gpkg", layer="segments")
        sb = pyogrio.read_dataframe(f"{b.folder}/layers.gpkg", layer="segments")
        assert sa["count"].sum() > 0
        pd.testing.assert_series_equal(sa["count"], sb["count"])
        assert a.row["incidents"] == b.row["incidents"]


def test_partitioned_snapping_reads_a_table_in_pages(tmp_path, pg_dsn):
    import psycopg

    from hotspots import segments as segmod
    from hotspots.state.partitioned import (
        postgis_partitions,
        weekly_counts_in_memory,
        weekly_counts_partitioned,
    )
    from hotspots.state.synthetic import CRS, grid_streets, synthetic_incidents

    center = (500_000.0, 6_500_000.0)
    seg = segmod.build_segments(grid_streets(center, 200), crs=CRS, name_column="nome")
    inc = synthetic_incidents(center, 200, 3000, weeks=["2026-W46", "2026-W47"],
                              timezone="America/Sao_Paulo", seed=5, at_nodes=0.3)
    inc["occurred_at"] = pd.to_datetime(inc["data_hora"], format="%d/%m/%Y %H:%M"
                                        ).dt.tz_localize("America/Sao_Paulo")
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS state_test_pages")
        conn.execute("CREATE TABLE state_test_pages (gid bigint, occurred_at timestamptz, "
                     "geom geometry(Point, 31982))")
        with conn.cursor().copy("COPY state_test_pages FROM STDIN") as copy:
            for i, r in enumerate(inc.itertuples()):
                copy.write_row((i * 3, r.occurred_at, f"SRID=31982;POINT({r.x!r} {r.y!r})"))
    try:
        parts = postgis_partitions(pg_dsn, "state_test_pages", key="gid", srid=31982,
                                   page_rows=700)
        assert len(parts.pages) == 5
        distributed = pytest.importorskip("distributed")
        with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                      dashboard_address=":0") as c, distributed.Client(c) as cl:
            got = weekly_counts_partitioned(parts, seg, x="x", y="y", time="occurred_at",
                                            client=cl)
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS state_test_pages")
    want = weekly_counts_in_memory(inc, seg, x="x", y="y", time="occurred_at")
    assert got.rows_read == 3000 and want.ties > 500
    pd.testing.assert_frame_equal(got.counts, want.counts)
    assert np.isclose(got.snapped, want.snapped)
