"""Whether the statistics can run, as data for the bulletin (in English and Portuguese)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotspots.stats.readiness import MIN_SEGMENTS, statistics_readiness


def table(n, counts=None, lengths=None):
    counts = np.arange(n) % 3 if counts is None else np.asarray(counts)
    lengths = np.full(n, 50.0) if lengths is None else np.asarray(lengths)
    return pd.DataFrame({"count": counts, "rate_per_100m": counts / lengths * 100})


def test_enough_segments_is_ok():
    r = statistics_readiness(table(40))
    assert r.ok and r.reason is None and r.message() == "" and r.n_incidents == 39


def test_too_few_segments_is_printable_in_both_languages():
    r = statistics_readiness(table(12))
    assert not r.ok and r.reason == "too_few_segments"
    assert r.message() == ("Hot-spot statistics not computed: only 12 street segments (at least "
                           f"{MIN_SEGMENTS} are needed). Analyse a larger area.")
    assert "só 12 segmentos" in r.message("pt-BR")
    d = r.as_dict()
    assert d["n_segments"] == 12 and d["min_segments"] == 30 and d["reason"] == "too_few_segments"


def test_no_incident_missing_and_constant_values():
    assert statistics_readiness(table(40, counts=np.zeros(40))).reason == "no_incidents"
    t = table(40)
    t.loc[3, "rate_per_100m"] = np.nan
    r = statistics_readiness(t)
    assert r.reason == "missing_values" and "1 of 40" in r.message()
    r = statistics_readiness(table(40, counts=np.full(40, 2)))
    assert r.reason == "constant" and "(4)" in r.message()
    assert statistics_readiness(table(40), variable="count").ok
    assert statistics_readiness(table(40), min_segments=50).reason == "too_few_segments"
