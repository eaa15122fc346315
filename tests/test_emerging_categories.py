"""Tests of hotspots.stats.emerging_categories: every Esri category and every open case, by hand."""

from __future__ import annotations

import re

import numpy as np
import pytest

from hotspots._errors import ValidationError
from hotspots.stats.emerging_categories import (
    CATEGORIES,
    EMERGING_COLORS,
    category_labels,
    classify,
    explain,
    ninety_percent_count,
)
from hotspots.stats.mann_kendall import mann_kendall

UP, DOWN, FLAT = (3.0, 0.001), (-3.0, 0.001), (0.5, 0.6)
CODE = {c.name: c.code for c in CATEGORIES}


def series(t_steps: int, hot=(), cold=()):
    """(hot, cold) boolean columns for one location; negative indices count from the end."""
    h = np.zeros(t_steps, dtype=bool)
    c = np.zeros(t_steps, dtype=bool)
    h[list(hot)] = True
    c[list(cold)] = True
    return h, c


def category(t_steps, hot=(), cold=(), trend=FLAT, **rules):
    h, c = series(t_steps, hot, cold)
    code = classify(h[:, None], c[:, None], np.array([trend[0]]), np.array([trend[1]]),
                    alpha_trend=0.05, **rules)
    return next(x.name for x in CATEGORIES if x.code == int(code[0]))


def all_but(t_steps, *drop):
    return [i for i in range(t_steps) if i not in {d % t_steps for d in drop}]


def cases(t):
    """(description, hot steps, cold steps, trend, expected) for a series of T = t steps."""
    last = t - 1
    every = list(range(t))
    m = ninety_percent_count(t)  # 9 of 10, 47 of 52
    return [
        ("never significant", [], [], FLAT, "No Pattern Detected"),
        ("hot only at the final step", [last], [], FLAT, "New Hot Spot"),
        ("final run of two", [last - 1, last], [], FLAT, "Consecutive Hot Spot"),
        ("final run of five", list(range(t - 5, t)), [], UP, "Consecutive Hot Spot"),
        ("hot throughout, rising", every, [], UP, "Intensifying Hot Spot"),
        ("hot throughout, no trend", every, [], FLAT, "Persistent Hot Spot"),
        ("hot throughout, falling", every, [], DOWN, "Diminishing Hot Spot"),
        ("hot in exactly 90 % incl. final", list(range(t - m, t)), [], FLAT,
         "Persistent Hot Spot"),
        ("on and off, hot now", [0, 3, last], [], FLAT, "Sporadic Hot Spot"),
        ("on and off, hot now, rising", [1, 2, last], [], UP, "Sporadic Hot Spot"),
        ("hot now, cold earlier", [last - 2, last], [0], FLAT, "Oscillating Hot Spot"),
        ("hot in ≥ 90 % but not at the end", all_but(t, last), [], FLAT,
         "Historical Hot Spot"),
        ("hot in ≥ 90 %, not at the end, falling", all_but(t, last), [], DOWN,
         "Historical Hot Spot"),
        # cold mirrors (Intensifying cold = z falling, Diminishing cold = z rising)
        ("cold only at the final step", [], [last], FLAT, "New Cold Spot"),
        ("final cold run of three", [], list(range(t - 3, t)), FLAT, "Consecutive Cold Spot"),
        ("cold throughout, z falling", [], every, DOWN, "Intensifying Cold Spot"),
        ("cold throughout, no trend", [], every, FLAT, "Persistent Cold Spot"),
        ("cold throughout, z rising", [], every, UP, "Diminishing Cold Spot"),
        ("cold on and off, cold now", [], [0, 2, last], FLAT, "Sporadic Cold Spot"),
        ("cold now, hot earlier", [1], [last], FLAT, "Oscillating Cold Spot"),
        ("cold in ≥ 90 % but not at the end", [], all_but(t, last), UP,
         "Historical Cold Spot"),
        # the cases Esri's text leaves open
        ("OPEN new vs oscillating: hot only at the end, cold before", [last], [0], FLAT,
         "Oscillating Hot Spot"),
        ("OPEN consecutive vs oscillating: final run after cold bins", [last - 1, last],
         [0, 1], FLAT, "Oscillating Hot Spot"),
        ("OPEN sporadic with a non-hot final step", [0, 2, 4], [], FLAT,
         "No Pattern Detected"),
        ("OPEN persistent vs historical: not hot at the end, no trend", all_but(t, last), [],
         FLAT, "Historical Hot Spot"),
        ("OPEN historical vs persistent even with a rising trend", all_but(t, last), [], UP,
         "Historical Hot Spot"),
        ("final step decides the side: ≥ 90 % hot then cold", all_but(t, last), [last],
         FLAT, "Oscillating Cold Spot"),
        ("a trend without ≥ 90 % hot is not Intensifying", [last - 1, last], [], UP,
         "Consecutive Hot Spot"),
        ("significant trend p = α exactly counts", every, [], (2.0, 0.05),
         "Intensifying Hot Spot"),
        ("trend just above α is no trend", every, [], (2.0, 0.0500001), "Persistent Hot Spot"),
    ]


@pytest.mark.parametrize("t_steps", [10, 52])
def test_every_category_and_open_case(t_steps):
    table = cases(t_steps)
    got = {desc: category(t_steps, hot, cold, trend) for desc, hot, cold, trend, _ in table}
    want = {desc: expected for desc, _, _, _, expected in table}
    assert got == want
    assert {c.name for c in CATEGORIES} <= set(want.values())  # all 17 reached


def test_ninety_percent_rule_ceil_versus_floor():
    assert ninety_percent_count(52) == 47 and ninety_percent_count(52, "floor") == 46
    assert ninety_percent_count(10) == 9 and ninety_percent_count(10, "floor") == 9
    assert ninety_percent_count(30) == 27 and ninety_percent_count(11, "floor") == 9
    assert ninety_percent_count(11) == 10
    run46 = list(range(6, 52))  # 46 hot weeks, the final 46, never before
    assert category(52, run46, ninety_percent_rule="ceil") == "Consecutive Hot Spot"
    assert category(52, run46, ninety_percent_rule="floor") == "Persistent Hot Spot"
    assert category(52, run46, trend=UP, ninety_percent_rule="floor") == \
        "Intensifying Hot Spot"
    run47 = list(range(5, 52))
    assert category(52, run47) == category(52, run47, ninety_percent_rule="floor") == \
        "Persistent Hot Spot"
    hist46 = list(range(5, 51))  # 46 hot, final not hot
    assert category(52, hist46) == "No Pattern Detected"
    assert category(52, hist46, ninety_percent_rule="floor") == "Historical Hot Spot"
    with pytest.raises(ValidationError, match="ninety_percent_rule='round'"):
        ninety_percent_count(52, "round")


def test_sporadic_final_step_rule_is_a_setting():
    loose = {"sporadic_requires_final": False}
    assert category(10, [0, 2, 4], **loose) == "Sporadic Hot Spot"  # ArcMap 10.x wording
    assert category(10, [], [1, 5], **loose) == "Sporadic Cold Spot"
    assert category(10, [0, 2], [5], **loose) == "No Pattern Detected"  # both: not sporadic
    assert category(10, [0, 3, 9], **loose) == "Sporadic Hot Spot"  # unchanged when hot now
    assert category(10, list(range(9)), **loose) == "Historical Hot Spot"


def test_many_locations_at_once_match_one_by_one():
    rng = np.random.default_rng(4)
    t_steps, n = 20, 500
    state = rng.choice([-1, 0, 1], size=(t_steps, n), p=[0.1, 0.6, 0.3])
    state[:, :50] = 1  # some persistent ones
    tz = rng.normal(0, 2, n)
    tp = rng.uniform(0, 0.2, n)
    codes = classify(state == 1, state == -1, tz, tp, alpha_trend=0.05)
    for i in range(0, n, 7):
        one = classify((state[:, i] == 1)[:, None], (state[:, i] == -1)[:, None],
                       tz[i:i + 1], tp[i:i + 1], alpha_trend=0.05)
        assert codes[i] == one[0]
    assert set(np.unique(codes)) <= set(EMERGING_COLORS)


def test_full_chain_with_mann_kendall_on_z():
    t_steps = 10
    z = np.array([np.linspace(2.5, 6.0, t_steps),       # hot, rising → Intensifying
                  np.full(t_steps, 3.0),                 # hot, flat → Persistent
                  np.linspace(6.0, 2.5, t_steps),        # hot, falling → Diminishing
                  np.r_[np.zeros(t_steps - 1), 4.0]]).T  # new
    sig = np.abs(z) > 1.96
    trend = mann_kendall(z.T)
    codes = classify(sig & (z > 0), sig & (z < 0), trend.z, trend.p, alpha_trend=0.05)
    assert category_labels(codes).tolist() == ["Intensifying Hot Spot", "Persistent Hot Spot",
                                               "Diminishing Hot Spot", "New Hot Spot"]


def test_sentences_in_english_and_portuguese():
    codes = np.array([3, 0, 7, -1, 8])
    n_hot = np.array([47, 0, 5, 0, 50])
    n_cold = np.array([0, 0, 2, 1, 0])
    final = np.array([1, 0, 1, -1, 0])
    tz = np.array([2.6, 0.1, -0.5, 0.0, -2.9])
    tp = np.array([0.0101, 0.92, 0.61, 1.0, 0.0002])
    en = explain(codes, n_hot, n_cold, final, tz, tp, n_steps=52, step="week",
                 alpha_trend=0.05, language="en")
    assert en.tolist() == [
        "hot in 47 of 52 weeks including the last; rising trend, p = 0.010 → "
        "Intensifying Hot Spot",
        "not significant in any of the 52 weeks; no significant trend (p = 0.920) → "
        "No Pattern Detected",
        "hot in 5 of 52 weeks including the last, cold in 2; no significant trend "
        "(p = 0.610) → Oscillating Hot Spot",
        "cold in 1 of 52 weeks including the last; no significant trend (p = 1.000) → "
        "New Cold Spot",
        "hot in 50 of 52 weeks, not in the last; falling trend, p < 0.001 → "
        "Historical Hot Spot",
    ]
    pt = explain(codes, n_hot, n_cold, final, tz, tp, n_steps=52, step="week",
                 alpha_trend=0.05, language="pt")
    assert pt[0] == ("quente em 47 de 52 semanas, incluindo a última; tendência de alta, "
                     "p = 0,010 → Ponto quente em intensificação")
    assert pt[1] == ("não significativo em nenhuma das 52 semanas; sem tendência "
                     "significativa (p = 0,920) → Nenhum padrão detectado")
    assert pt[4] == ("quente em 50 de 52 semanas, mas não na última; tendência de queda, "
                     "p < 0,001 → Ponto quente histórico")
    months = explain(np.array([6, 0]), np.array([3, 2]), np.array([0, 1]), np.array([1, 0]),
                     np.array([0.0, 0.0]), np.array([0.5, 0.5]), n_steps=24, step="month",
                     alpha_trend=0.05, language="pt")
    assert months.tolist() == [
        "quente em 3 de 24 meses, incluindo o último; sem tendência significativa (p = 0,500) "
        "→ Ponto quente esporádico",
        "quente em 2 e frio em 1 de 24 meses, mas não no último; sem tendência significativa "
        "(p = 0,500) → Nenhum padrão detectado",
    ]
    with pytest.raises(ValidationError, match="language='es'"):
        explain(codes, n_hot, n_cold, final, tz, tp, n_steps=52, step="week",
                alpha_trend=0.05, language="es")


def test_categories_table_and_colours():
    assert len(CATEGORIES) == 17 and len({c.code for c in CATEGORIES}) == 17
    assert sorted(EMERGING_COLORS) == list(range(-8, 9))
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in EMERGING_COLORS.values())
    # the four read from an ArcGIS-published Emerging Hot Spot Analysis renderer
    assert EMERGING_COLORS[1] == "#cb0800" and EMERGING_COLORS[2] == "#bd6d5e"
    assert EMERGING_COLORS[3] == "#e01709" and EMERGING_COLORS[4] == "#851400"
    for c in CATEGORIES:  # cold mirrors hot, same wording
        if c.code < 0:
            mirror = next(x for x in CATEGORIES if x.code == -c.code)
            assert c.name == mirror.name.replace("Hot", "Cold")
            assert c.name_pt == mirror.name_pt.replace("quente", "frio")
    assert category_labels(np.array([0, -8]), language="pt").tolist() == [
        "Nenhum padrão detectado", "Ponto frio histórico"]


def test_classify_errors():
    h, c = series(10, [1], [1])
    with pytest.raises(ValidationError, match="both hot and cold"):
        classify(h[:, None], c[:, None], np.zeros(1), np.ones(1), alpha_trend=0.05)
    with pytest.raises(ValidationError, match="must be \\(T, n\\)"):
        classify(h, c, np.zeros(1), np.ones(1), alpha_trend=0.05)
    with pytest.raises(ValidationError, match="at least 2 time steps"):
        classify(h[:1, None], c[:1, None], np.zeros(1), np.ones(1), alpha_trend=0.05)
    with pytest.raises(ValidationError, match="unknown category codes \\[9\\]"):
        category_labels(np.array([9]))


@pytest.mark.parametrize("language", ["en", "pt"])
def test_explain_writes_each_segment_as_its_own_sentence(language):
    # explain writes each distinct sentence once; every segment must still get its own
    from hotspots.stats.emerging_categories import _sentences

    rng = np.random.default_rng(4)
    n = 3_000
    codes = rng.choice([c.code for c in CATEGORIES], n).astype(np.int8)
    n_hot, n_cold = rng.integers(0, 12, n), rng.integers(0, 3, n)
    final = rng.integers(-3, 4, n)
    z = rng.normal(size=n)
    p = np.r_[rng.choice([0.0001, 0.0004999, 0.0005, 0.0495, 0.0504, 0.05, 0.9996, 1.0], 500),
              rng.uniform(0, 1, n - 500)]
    got = explain(codes, n_hot, n_cold, final, z, p, n_steps=12, step="month",
                  alpha_trend=0.05, language=language)
    want = _sentences(codes, n_hot, n_cold, np.sign(final), z, p, n_steps=12, step="month",
                      alpha_trend=0.05, language=language)
    assert got.tolist() == want.tolist()
