"""The state run on dask.distributed: a 5-municipality synthetic state (real IBGE boundaries of
Rio Grande do Sul, synthetic streets and incidents) on LocalClusters of processes and of threads,
against each municipality run alone; a failing city, a killed worker, a rerun that skips."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

from hotspots import pipeline
from hotspots.cli import main
from hotspots.state import load_state_config
from hotspots.state.config import city_toml
from hotspots.state.runner import EXIT_SOME_FAILED, run_state
from hotspots.state.synthetic import synthetic_state
from hotspots.state.tasks import KILL_ENV

REPO = Path(__file__).resolve().parents[1]
BOUNDARIES = REPO / "data" / "boundaries" / "rs_municipios_ibge.geojson"
#: Pelotas and four small municipalities; Alegrete (4300406) is given a missing street file
CODES = ["4300109", "4300208", "4300406", "4300505", "4314407"]
BAD = "4300406"
WEEK = "2026-W47"
NOW = pd.Timestamp("2026-12-01 09:00", tz="America/Sao_Paulo")
#: lighter statistics so that each city runs in seconds
DEFAULTS = {"statistics": {"permutations": 99, "nkde_bandwidth_m": 0.0}}

pytestmark = pytest.mark.slow


def _make_state(folder: Path) -> Path:
    made = synthetic_state(folder, boundaries=BOUNDARIES, codes=CODES, segments_total=1500,
                           incidents_per_year=30_000, min_segments=60, defaults=DEFAULTS,
                           seed=7)
    bad = folder / "streets" / f"{BAD}.gpkg"
    bad.rename(bad.with_suffix(".aside"))  # a city whose input is missing
    return made.config


@pytest.fixture(scope="module")
def state(tmp_path_factory) -> Path:
    return _make_state(tmp_path_factory.mktemp("state"))


@pytest.fixture(scope="module")
def alone(state, tmp_path_factory):
    """Each good municipality run alone, in this process, on its own prepared inputs."""
    from hotspots.state.runner import plan_state
    from hotspots.state.sources import prepare

    config = load_state_config(state)
    spec, _tasks = plan_state(config, week=WEEK, now=NOW)
    prepared = prepare(spec)
    root = tmp_path_factory.mktemp("alone")
    folders = {}
    for m in config.municipalities:
        if m.code == BAD:
            continue
        entry = prepared[m.code]
        city = config.city_config(m, incidents=entry["incidents"], boundary=entry["boundary"])
        run = pipeline.run_week(city, week=WEEK, out_root=root / m.code, now=NOW)
        folders[m.code] = Path(run.files["manifest"]).parent
    return folders, prepared


def _files(folder: Path) -> dict[str, Path]:
    return {str(p.relative_to(folder)): p for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_same_week_folder(a: Path, b: Path) -> None:
    """Every file byte-identical, except: GeoPackages compared layer by layer (their SQLite
    pages and the layer_styles table carry write times) and the manifest without its timings."""
    fa, fb = _files(a), _files(b)
    assert sorted(fa) == sorted(fb)
    for name, pa in fa.items():
        pb = fb[name]
        if name.endswith(".gpkg"):
            layers = [n for n, _ in pyogrio.list_layers(pa)]
            assert layers == [n for n, _ in pyogrio.list_layers(pb)], name
            for layer in layers:
                da = pyogrio.read_dataframe(pa, layer=layer)
                db = pyogrio.read_dataframe(pb, layer=layer)
                if layer == "layer_styles":  # when the style was written
                    da, db = da.drop(columns="update_time"), db.drop(columns="update_time")
                pd.testing.assert_frame_equal(da, db, check_exact=True, obj=f"{name}:{layer}")
        elif name == "manifest.json":
            ma, mb = (json.loads(p.read_text(encoding="utf-8")) for p in (pa, pb))
            ma.pop("timings_s"), mb.pop("timings_s")
            assert ma == mb
        else:
            assert pa.read_bytes() == pb.read_bytes(), name


def _state_csv(config_path: Path) -> pd.DataFrame:
    config = load_state_config(config_path)
    return pd.read_csv(Path(config.state.output_root) / "state" / WEEK / "state.csv",
                       dtype={"code": str})


@pytest.fixture(scope="module")
def processes_run(state, alone, tmp_path_factory):
    """The state on a LocalCluster of 2 worker processes; one worker is killed (SIGKILL) while
    writing Pelotas' outputs, so Pelotas runs twice."""
    marker = tmp_path_factory.mktemp("kill") / "killed.txt"
    mp = pytest.MonkeyPatch()
    mp.setenv(KILL_ENV, f"4314407:write outputs:{marker}")
    try:
        config = load_state_config(state)
        config = _with_cluster(config, processes=True)
        result = run_state(config, week=WEEK, now=NOW)
    finally:
        mp.undo()
    return config, result, marker


def _with_cluster(config, **changes):
    from dataclasses import replace

    cluster = replace(config.cluster, workers=2, dashboard_address=":0", retries=2, **changes)
    return replace(config, cluster=cluster)


def test_a_state_on_worker_processes_equals_each_city_run_alone(processes_run, alone):
    _config, result, marker = processes_run
    folders, _ = alone
    assert marker.is_file(), "the kill hook never fired"
    assert result.dashboard and result.dashboard.startswith("http://")
    by_code = {o.code: o for o in result.outcomes}
    assert [o.code for o in result.outcomes] == CODES  # the config's order
    for code, folder in folders.items():
        assert by_code[code].status == "done", by_code[code].message
        assert_same_week_folder(folder, Path(by_code[code].folder))
    # both workers took part (the killed one came back under a new address)
    assert len({o.worker for o in result.outcomes if o.ok}) >= 2


def test_the_killed_city_was_retried_and_left_no_leftovers(processes_run):
    config, result, marker = processes_run
    pelotas = next(o for o in result.outcomes if o.code == "4314407")
    assert pelotas.status == "done" and "killed pid" in marker.read_text()
    city_root = Path(config.state.output_root) / "4314407"
    assert sorted(p.name for p in city_root.iterdir() if not p.name.startswith(".locks")) == [WEEK]


def test_a_bad_city_fails_alone_with_the_clis_message_and_exit_code(processes_run, alone,
                                                                   tmp_path):
    config, result, _ = processes_run
    bad = next(o for o in result.outcomes if o.code == BAD)
    assert bad.status == "failed" and bad.exit_code == 2
    assert f"{BAD}.gpkg" in bad.message and "file not found" in bad.message
    assert result.exit_code == EXIT_SOME_FAILED
    assert sum(o.ok for o in result.outcomes) == 4
    # the same city through `hotspots weekly` gives the same message and exit code
    _, prepared = alone
    m = config.municipality(BAD)
    entry = prepared[BAD]
    city = tmp_path / "city.toml"
    city.write_text(city_toml(config.city_dict(m, incidents=entry["incidents"],
                                               boundary=entry["boundary"])), encoding="utf-8")
    res = CliRunner().invoke(main, ["weekly", "--config", str(city), "--week", WEEK])
    assert res.exit_code == bad.exit_code
    cli_message = res.output.split("error: ", 1)[1].strip()
    assert bad.message.splitlines()[1:] == cli_message.splitlines()[1:]
    table = _state_csv(Path(config.source))
    row = table.set_index("code").loc[BAD]
    assert row["status"] == "failed" and row["exit_code"] == 2 and "file not found" in row["message"]


def test_the_state_table_is_read_back_from_each_city_folder(processes_run):
    config, result, _ = processes_run
    table = _state_csv(Path(config.source)).set_index("code")
    for o in result.outcomes:
        if not o.ok:
            continue
        man = json.loads((Path(o.folder) / "manifest.json").read_text(encoding="utf-8"))
        seg = pyogrio.read_dataframe(Path(o.folder) / "layers.gpkg", layer="segments",
                                     read_geometry=False)
        row = table.loc[o.code]
        assert row["incidents"] == man["counts"]["incidents_week"] == seg["count"].sum()
        assert row["hot_segments"] == seg["hot"].sum()
        top = seg["count"].sort_values(ascending=False).head(-(-len(seg) * 5 // 100)).sum()
        assert row["share_top5"] == pytest.approx(top / seg["count"].sum())
        assert row["geocoding_rate"] == pytest.approx(man["counts"]["used"] /
                                                      man["counts"]["rows_read"])
        ev = man["counts"]["evaluation"]
        if ev["flagged_segments"]:
            assert row["hit_rate"] == pytest.approx(ev["hit_rate"])
        else:  # nothing flagged last week: no hit rate, not 0 %
            assert pd.isna(row["hit_rate"]) and ev["hit_rate"] == 0.0
    files = {p.name for p in (Path(config.state.output_root) / "state" / WEEK).iterdir()}
    assert files == {"state.csv", "state.json", "map.html", "bulletin_pt.html",
                     "bulletin_en.html"}


def test_a_rerun_skips_finished_cities_and_redoes_the_failed_one(processes_run, state):
    config, first, _ = processes_run
    folder = Path(first.outcomes[0].folder)
    before = (folder / "manifest.json").stat().st_mtime_ns
    # fix the bad city, then rerun sequentially (no dask needed for a rerun)
    streets = Path(state).parent / "streets" / f"{BAD}.gpkg"
    streets.with_suffix(".aside").rename(streets)
    again = run_state(config, week=WEEK, now=NOW, sequential=True)
    status = {o.code: o.status for o in again.outcomes}
    assert status == {**dict.fromkeys(CODES, "skipped"), BAD: "done"}
    assert again.exit_code == 0
    assert (folder / "manifest.json").stat().st_mtime_ns == before
    table = _state_csv(Path(config.source)).set_index("code")
    assert set(table["status"]) == {"skipped", "done"}
    # the skipped cities' rows are the same numbers as when they were done
    old = {o.code: o.row for o in first.outcomes if o.ok}
    for o in again.outcomes:
        if o.code in old:
            assert o.row == old[o.code] and o.changed == ()


def test_a_state_on_worker_threads_equals_each_city_run_alone(alone, tmp_path):
    config_path = _make_state(tmp_path)
    config = _with_cluster(load_state_config(config_path), processes=False)
    result = run_state(config, week=WEEK, now=NOW, only=tuple(c for c in CODES if c != BAD))
    folders, _ = alone
    # the split of this state's file (same seed) gives the same city inputs, in another folder:
    # compare the tables (the manifests name other paths)
    for o in result.outcomes:
        assert o.status == "done", o.message
        for layer in ("segments", "counts_by_week", "weekly_totals"):
            a = pyogrio.read_dataframe(folders[o.code] / "layers.gpkg", layer=layer)
            b = pyogrio.read_dataframe(Path(o.folder) / "layers.gpkg", layer=layer)
            pd.testing.assert_frame_equal(a, b, check_exact=True)
        assert (folders[o.code] / "rejects.csv").read_bytes() == \
            (Path(o.folder) / "rejects.csv").read_bytes()


def test_the_command_line_exits_7_when_a_city_fails_and_0_when_all_succeed(tmp_path):
    config_path = _make_state(tmp_path)
    args = ["state", "--config", str(config_path), "--week", WEEK, "--sequential",
            "--only", BAD, "--only", "4300109"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == EXIT_SOME_FAILED, res.output
    assert f"{BAD}" in res.output and "exit 2" in res.output
    res = CliRunner().invoke(main, ["state", "--config", str(config_path), "--week", WEEK,
                                    "--sequential", "--only", "4300109"])
    assert res.exit_code == 0, res.output
    assert "1" in res.output


def test_the_single_machine_path_imports_no_dask():
    code = ("import sys, hotspots.pipeline, hotspots.cli, hotspots.state, "
            "hotspots.state.runner, hotspots.state.tasks, hotspots.state.summary; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('dask', 'distributed')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


def test_per_city_incident_files_are_read_as_given(tmp_path):
    made = synthetic_state(tmp_path, boundaries=BOUNDARIES, codes=["4300109"],
                           segments_total=300, incidents_per_year=6000, min_segments=60,
                           defaults=DEFAULTS, source="per_city", seed=2)
    result = run_state(load_state_config(made.config), week=WEEK, now=NOW, sequential=True)
    (o,) = result.outcomes
    assert o.status == "done", o.message
    man = json.loads((Path(o.folder) / "manifest.json").read_text(encoding="utf-8"))
    assert man["inputs"]["incidents"]["path"] == str(tmp_path / "incidents" / "4300109.csv")
    assert result.split is None and o.row["geocoding_rate"] > 0.9
    # a rerun keeps the week; when the city's file was re-exported since, it says so
    config = load_state_config(made.config)
    (again,) = run_state(config, week=WEEK, now=NOW, sequential=True).outcomes
    assert again.status == "skipped" and again.changed == () and not again.message
    path = tmp_path / "incidents" / "4300109.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")  # a record withdrawn
    result = run_state(config, week=WEEK, now=NOW, sequential=True)
    (stale,) = result.outcomes
    assert stale.status == "skipped" and stale.changed == ("incidents",)
    assert "--overwrite --only 4300109" in stale.message
    from hotspots.state.summary import summary_lines

    assert any("mudaram desde então: ocorrências" in line
               for line in summary_lines(result, language="pt"))
    (redone,) = run_state(config, week=WEEK, now=NOW, sequential=True, overwrite=True).outcomes
    assert redone.status == "done" and redone.row["incidents"] <= o.row["incidents"]


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    config_path = _make_state(tmp_path)
    with config_path.open("a", encoding="utf-8") as fh:
        fh.write("\n[cluster]\nconnect_timeout_s = 2\n")
    res = CliRunner().invoke(main, ["state", "--config", str(config_path), "--week", WEEK,
                                    "--scheduler", "tcp://127.0.0.1:9", "--only", "4300109"])
    assert res.exit_code == 2, res.output
    assert "cannot reach the dask scheduler at tcp://127.0.0.1:9 (tried for 2 s)" in res.output


def test_a_bad_week_is_refused_before_any_city_runs(tmp_path):
    config_path = _make_state(tmp_path)
    res = CliRunner().invoke(main, ["state", "--config", str(config_path), "--week", "2026-W60"])
    assert res.exit_code == 2 and "ISO year 2026 has no week 60" in res.output
    assert not (tmp_path / "runs").exists()


def test_a_scheduler_address_is_used_and_its_dashboard_printed(tmp_path):
    distributed = pytest.importorskip("distributed")
    config = load_state_config(_make_state(tmp_path))
    said: list[str] = []
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster:
        result = run_state(config, week=WEEK, now=NOW, scheduler=cluster.scheduler_address,
                           only=("4300109",), report=said.append)
        workers = set(cluster.scheduler_info["workers"])
    (o,) = result.outcomes
    assert o.status == "done", o.message
    assert o.worker in workers  # ran on that cluster's worker
    assert result.dashboard and f"dask dashboard: {result.dashboard}" in said
