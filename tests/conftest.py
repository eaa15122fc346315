"""Shared fixtures: real data shipped in packages, toy networks, and the external-service guards."""

from __future__ import annotations

import os
import shutil

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PG_DSN = os.environ.get("HOTSPOTS_TEST_PG_DSN",
                        "postgresql://hotspots:hotspots@127.0.0.1:5432/hotspots_test")


def pytest_collection_modifyitems(config, items):
    """Browser and PostGIS tests run everywhere they can; in CI a missing service is a failure."""
    for item in items:
        if "browser" in item.keywords and not CHROMIUM:
            if not IN_CI:  # in CI the chromium_path fixture fails loudly instead
                item.add_marker(pytest.mark.skip(reason="Debian chromium not installed "
                                                        "(bash .ci/run installs it)"))


#: flags of every headless Chromium the tests start (no sandbox in containers, no GPU)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser(chromium_path):
    """One headless Chromium per test module (playwright, the Debian binary)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of the Debian chromium binary (tests fail in CI if it is missing)."""
    if not CHROMIUM:
        pytest.fail("chromium is required for browser tests (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def pg_dsn() -> str:
    """DSN of the test PostgreSQL/PostGIS server; skipped locally, a failure in CI, if absent."""
    try:
        import psycopg

        with psycopg.connect(PG_DSN, connect_timeout=3) as conn:
            conn.execute("SELECT postgis_version()")
    except Exception as exc:  # pragma: no cover - depends on the machine
        if IN_CI:
            pytest.fail(f"PostGIS test server not reachable at {PG_DSN}: {exc}")
        pytest.skip(f"no PostGIS server at {PG_DSN} (bash .ci/postgis-setup starts one): {exc}")
    return PG_DSN


@pytest.fixture(scope="session")
def columbus():
    """libpysal's Columbus polygons indexed by POLYID, with queen contiguity weights."""
    from libpysal import examples
    from libpysal import weights as lpw

    df = gpd.read_file(examples.get_path("columbus.shp"))
    df.index = pd.Index(df["POLYID"].astype(np.int64), name="POLYID")
    w = lpw.Queen.from_dataframe(df, ids=df.index.tolist(), use_index=False)
    return df, w


@pytest.fixture(scope="session")
def sample_result():
    """The sample city analysed in memory (every incident, as ``hotspots demo``): a WeekResult."""
    from hotspots import pipeline

    cfg = pipeline.sample_config()
    return pipeline.analyse(cfg, week=None, now=pd.Timestamp("2026-12-01 09:00",
                                                             tz=cfg.parameters.timezone))


def _pt_config(tmp_path_factory, *, weekly: bool):
    """The sample city in Portuguese (title in Portuguese too: it is the city's own text)."""
    import dataclasses
    from pathlib import Path

    from hotspots.config import load_config, sample_config

    root = Path(__file__).resolve().parents[1]
    cfg = load_config(root / "examples" / "sample_city.toml") if weekly else sample_config()
    return dataclasses.replace(cfg, title="Cidade de exemplo (ruas de Helsinque)",
                               parameters=dataclasses.replace(cfg.parameters, language="pt"))


@pytest.fixture(scope="session")
def pt_week_run(tmp_path_factory):
    """A weekly run (2026-W47) of the sample city in Portuguese, written by the pipeline."""
    from hotspots import pipeline

    cfg = _pt_config(tmp_path_factory, weekly=True)
    out = tmp_path_factory.mktemp("pt_week")
    return pipeline.run_week(cfg, week="2026-W47", out_root=out,
                             now=pd.Timestamp("2026-12-01 09:00", tz=cfg.parameters.timezone))


@pytest.fixture(scope="session")
def pt_demo_run(tmp_path_factory):
    """The demo (every incident) of the sample city in Portuguese."""
    from hotspots import pipeline

    cfg = _pt_config(tmp_path_factory, weekly=False)
    out = tmp_path_factory.mktemp("pt_demo") / "demo"
    return pipeline.run_all(cfg, out,
                            now=pd.Timestamp("2026-12-01 09:00", tz=cfg.parameters.timezone))


@pytest.fixture(scope="session")
def en_demo_run(tmp_path_factory):
    """The demo (every incident) of the sample city in English, as ``hotspots demo``."""
    from hotspots import pipeline

    cfg = pipeline.sample_config()
    out = tmp_path_factory.mktemp("en_demo") / "demo"
    return pipeline.run_all(cfg, out,
                            now=pd.Timestamp("2026-12-01 09:00", tz=cfg.parameters.timezone))
