"""Partitioned snapping on dask against the in-memory path and an independent STRtree
reference, on a tie-heavy case (40 % of the points exactly on intersections)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots import segments as segmod
from hotspots.state.partitioned import weekly_counts_in_memory, weekly_counts_partitioned
from hotspots.state.synthetic import CRS, grid_streets, synthetic_incidents

WEEKS = ["2026-W45", "2026-W46", "2026-W47"]
CENTER = (500_000.0, 6_500_000.0)
FMT = "%d/%m/%Y %H:%M"


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    folder = tmp_path_factory.mktemp("part")
    seg = segmod.build_segments(grid_streets(CENTER, 400), crs=CRS, name_column="nome")
    inc = synthetic_incidents(CENTER, 400, 12_000, weeks=WEEKS, timezone="America/Sao_Paulo",
                              seed=11, at_nodes=0.4)
    inc.loc[::97, "x"] = np.nan  # records without coordinates
    inc.loc[5::101, "x"] += 400.0  # far from every street (the grid is 2.8 km wide)
    inc.loc[7::211, "data_hora"] = ""  # no time
    inc.to_parquet(folder / "inc.parquet", row_group_size=1_500)
    inc.to_csv(folder / "inc.csv", index=False)
    return seg, inc, folder


def _reference(seg, inc) -> pd.DataFrame:
    """Plain shapely: every segment within 50 m, nearest first, ties to the smallest id."""
    ok = inc["x"].notna() & (inc["data_hora"] != "")
    pts = shapely.points(inc.loc[ok, "x"].to_numpy(), inc.loc[ok, "y"].to_numpy())
    geoms = seg.geometry.to_numpy()
    ids = seg.index.to_numpy()
    tree = shapely.STRtree(geoms)
    pi, si = tree.query(pts, predicate="dwithin", distance=50.0)
    d = shapely.distance(pts[pi], geoms[si])
    pairs = pd.DataFrame({"p": pi, "id": ids[si], "d": d}).sort_values(["p", "d", "id"])
    best = pairs.drop_duplicates("p")
    times = pd.to_datetime(inc.loc[ok, "data_hora"], format=FMT).to_numpy()[best["p"]]
    iso = pd.DatetimeIndex(times).isocalendar()
    week = iso["year"].astype(str).to_numpy() + "-W" + iso["week"].astype(str).str.zfill(2).to_numpy()
    out = pd.DataFrame({"segment_id": best["id"].to_numpy(), "week": week})
    return (out.groupby(["segment_id", "week"]).size().rename("count").reset_index()
            .astype({"segment_id": np.int64, "count": np.int64}))


def test_the_in_memory_path_matches_a_plain_shapely_reference(city):
    seg, inc, _ = city
    mem = weekly_counts_in_memory(inc, seg, x="x", y="y", time="data_hora", time_format=FMT)
    assert mem.ties > 3000  # tie-heavy: points on nodes are equally near 2–4 segments
    pd.testing.assert_frame_equal(mem.counts, _reference(seg, inc))
    assert mem.accounted and mem.rows_read == len(inc)
    assert mem.without_coordinates == inc["x"].isna().sum()
    assert mem.beyond_max_distance > 0 and mem.without_time > 0


@pytest.fixture(scope="module")
def threads_client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        yield client


@pytest.mark.parametrize("source", ["inc.parquet", "inc.csv"])
def test_partitioned_counts_equal_the_in_memory_ones(city, threads_client, source):
    seg, inc, folder = city
    mem = weekly_counts_in_memory(inc, seg, x="x", y="y", time="data_hora", time_format=FMT)
    part = weekly_counts_partitioned(folder / source, seg, x="x", y="y", time="data_hora",
                                     time_format=FMT, client=threads_client,
                                     partition_rows=2_000, measure_memory=True)
    assert part.partitions >= 5
    pd.testing.assert_frame_equal(part.counts, mem.counts)
    for key in ("rows_read", "snapped", "beyond_max_distance", "without_coordinates",
                "without_time", "ties"):
        assert getattr(part, key) == getattr(mem, key), key
    assert part.peak_rss_bytes and min(part.peak_rss_bytes.values()) > 0


def test_coordinates_in_another_crs_are_brought_to_the_segments(city, threads_client):
    seg, inc, folder = city
    ll = inc.dropna(subset=["x"]).iloc[:3000].reset_index(drop=True)
    mem = weekly_counts_in_memory(ll, seg, x="longitude", y="latitude", time="data_hora",
                                  crs="EPSG:4326", time_format=FMT)
    path = folder / "ll.parquet"
    ll.to_parquet(path, row_group_size=700)
    part = weekly_counts_partitioned(path, seg, x="longitude", y="latitude", time="data_hora",
                                     crs="EPSG:4326", time_format=FMT, client=threads_client)
    pd.testing.assert_frame_equal(part.counts, mem.counts)
    assert mem.snapped > 2900


@pytest.mark.slow
def test_partitioned_on_worker_processes_with_the_index_broadcast_once(city):
    distributed = pytest.importorskip("distributed")
    seg, inc, folder = city
    mem = weekly_counts_in_memory(inc, seg, x="x", y="y", time="data_hora", time_format=FMT)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        part = weekly_counts_partitioned(folder / "inc.parquet", seg, x="x", y="y",
                                         time="data_hora", time_format=FMT, client=client,
                                         measure_memory=True)
        assert len(part.peak_rss_bytes) == 2
    pd.testing.assert_frame_equal(part.counts, mem.counts)


def test_bad_sources_are_named(city, tmp_path):
    from hotspots._errors import ValidationError

    seg, _, _ = city
    with pytest.raises(ValidationError, match="incidents file not found"):
        weekly_counts_partitioned(tmp_path / "none.parquet", seg, x="x", y="y", time="t")
    (tmp_path / "a.gpkg").write_bytes(b"x")
    with pytest.raises(ValidationError, match="takes Parquet or CSV"):
        weekly_counts_partitioned(tmp_path / "a.gpkg", seg, x="x", y="y", time="t")


@pytest.mark.slow
def test_partitioned_counts_equal_the_weekly_runs_own_counts(tmp_path, threads_client):
    """The single-machine path of the product: ``run_week`` on the same city and incidents
    (its counts_by_week layer and the week's count of the segments layer)."""
    import pyogrio

    from hotspots import pipeline
    from hotspots.config import config_from_dict

    grid_streets(CENTER, 300).to_file(tmp_path / "ruas.gpkg", layer="ruas", engine="pyogrio")
    inc = synthetic_incidents(CENTER, 300, 5_000, weeks=WEEKS, timezone="America/Sao_Paulo",
                              seed=3, at_nodes=0.4)
    inc.insert(0, "id", np.arange(1, len(inc) + 1))
    inc.loc[3::89, "x"] += 300.0  # beyond max_distance_m
    inc.to_csv(tmp_path / "inc.csv", index=False)
    config = config_from_dict({
        "inputs": {"incidents": str(tmp_path / "inc.csv"), "streets": str(tmp_path / "ruas.gpkg"),
                   "streets_layer": "ruas", "streets_name_column": "nome", "time_format": FMT,
                   "coords_crs": CRS},
        "columns": {"id": "id", "time": "data_hora", "category": "natureza", "x": "x", "y": "y"},
        "parameters": {"crs": CRS},
        "statistics": {"permutations": 0, "nkde_bandwidth_m": 0.0}}, source="test")
    run = pipeline.run_week(config, week="2026-W47", out_root=tmp_path / "runs",
                            now=pd.Timestamp("2026-12-01 09:00", tz="America/Sao_Paulo"))
    gpkg = tmp_path / "runs" / "2026-W47" / "layers.gpkg"
    assert run.files["manifest"]
    seg = pyogrio.read_dataframe(gpkg, layer="segments").set_index("segment_id")
    want = pyogrio.read_dataframe(gpkg, layer="counts_by_week", read_geometry=False)
    part = weekly_counts_partitioned(tmp_path / "inc.csv", seg[["geometry"]], x="x", y="y",
                                     time="data_hora", time_format=FMT, client=threads_client,
                                     partition_rows=1_000)
    assert part.partitions >= 3 and part.ties > 1000
    got = part.counts[part.counts["week"].isin(set(want["week"]))].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        got, want[["segment_id", "week", "count"]].astype({"segment_id": np.int64,
                                                          "count": np.int64}))
    week = part.counts[part.counts["week"] == "2026-W47"].set_index("segment_id")["count"]
    pd.testing.assert_series_equal(
        week.reindex(seg.index, fill_value=0), seg["count"].astype(np.int64), check_names=False)
