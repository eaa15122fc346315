"""Emerging hot spots in the run: the cube never reaches before the data, the columns reach the
segments layer, the bulletin and (suppressed under k) the liaison layers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from hotspots import pipeline, privacy
from hotspots.config import load_config
from hotspots.pipeline.spacetime import complete_steps
from hotspots.stats.emerging import EMERGING_LIAISON_COLUMNS

TZ = "America/Sao_Paulo"
CONFIG = Path(__file__).resolve().parents[1] / "examples" / "sample_city.toml"


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=TZ)


def test_complete_steps_start_with_the_first_full_step_of_the_data():
    end = ts("2026-11-23")  # Monday after 2026-W47
    assert complete_steps(ts("2026-08-31 00:00"), end, step="week") == 12  # a Monday
    assert complete_steps(ts("2026-09-02 10:00"), end, step="week") == 11  # mid-week
    assert complete_steps(ts("2026-11-20"), end, step="week") == 0
    assert complete_steps(ts("2026-01-01"), ts("2026-11-23"), step="month") == 10
    assert complete_steps(ts("2026-01-15"), ts("2026-12-01"), step="month") == 10


@pytest.fixture(scope="module")
def week47(tmp_path_factory):
    cfg = load_config(CONFIG)
    out = tmp_path_factory.mktemp("runs")
    # W46: eleven weeks of data, and (on block faces) one segment becomes a new hot spot
    return pipeline.run_week(cfg, week="2026-W46", out_root=out,
                             now=pd.Timestamp("2026-12-01", tz="Europe/Helsinki"))


def test_the_weekly_run_carries_emerging_hot_spots(week47):
    em = week47.summary["emerging"]
    assert em["steps"] == 11 and em["first_step"] == "2026-W36" and em["last_step"] == "2026-W46"
    assert sum(em["categories"].values()) == week47.summary["segments"]
    seg = week47.result.segments
    assert seg["emerging_category"].notna().all()
    counts = seg["emerging_category"].value_counts()
    assert {k: v for k, v in em["categories"].items() if v} == counts.to_dict()
    # "became new" are New Hot Spots now that were not last week
    new = em["became_new"]
    assert new and set(seg.loc[new, "emerging_category"]) == {"New Hot Spot"}
    prev = week47.result.emerging.previous.frame["emerging_category"]
    assert (prev.reindex(new) != "New Hot Spot").all()
    layer = pyogrio.read_dataframe(week47.files["layers"], layer="segments")
    assert "emerging_category" in layer.columns and "emerging_trend_p" in layer.columns
    report = week47.files["report"].read_text(encoding="utf-8")
    assert 'id="emerging"' in report and "New Hot Spot" in report


def test_liaisons_get_categories_only_where_k_incidents_are_near(week47):
    """The liaison's categories are computed again on the protected cube (counts of 1 … k−1
    at ⌈k/2⌉, hotspots.disclosure): released wherever the neighbourhood held 0 or k or more
    incidents, withheld only where it held 1 … k−1."""
    seg = week47.result.segments
    k = week47.result.config.outputs.privacy_k
    liaison = week47.result.liaison.layers["segments"]
    nbhd = seg["emerging_nbhd_count"]
    small = (nbhd > 0) & (nbhd < k)
    assert small.any()
    withheld = liaison["emerging_category"].reindex(seg.index).isna()
    assert withheld.any() and not withheld[~small].any()
    for col in EMERGING_LIAISON_COLUMNS:
        assert liaison.loc[withheld[withheld].index, col].isna().all(), col
    assert "emerging_nbhd_count" not in liaison.columns
    assert "emerging_final_z" not in liaison.columns  # z solves back to counts: analyst only
    assert (liaison["emerging_status"].reindex(seg.index)[withheld] == "k_rule").all()
    gpkg = pyogrio.read_dataframe(week47.files["liaison"] / "layers.gpkg", layer="segments")
    assert gpkg["emerging_category"].isna().sum() == int(withheld.sum())
    # without the run's statistics the categories are not released at all
    assert "emerging_category" not in privacy.liaison_layer("segments", seg.copy(), k=k)


def test_too_few_weeks_of_data_skip_with_a_reason(tmp_path):
    cfg = load_config(CONFIG)
    res = pipeline.analyse(cfg, week="2026-W44", now=pd.Timestamp("2026-12-01", tz=TZ))
    em = res.summary()["emerging"]
    assert "only 9 complete weeks" in em["skipped"] and "at least 10" in em["skipped"]
    assert "emerging_category" not in res.segments.columns
