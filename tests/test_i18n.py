"""The message catalogue: every message in both languages, same placeholders; locale formats."""

from __future__ import annotations

import datetime as dt
import string

import pytest

from hotspots import i18n
from hotspots._errors import ValidationError
from hotspots.layers import LAYERS


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("name", i18n.DOMAINS)
def test_every_message_has_both_languages_and_the_same_placeholders(name):
    table = i18n.domain(name)
    assert table, name
    for key, pair in table.items():
        assert isinstance(pair, tuple) and len(pair) == 2, (name, key)
        en, pt = pair
        assert en.strip() and pt.strip(), (name, key)
        assert _fields(en) == _fields(pt), (name, key, en, pt)


@pytest.mark.parametrize("name", sorted(i18n.catalogue.REGISTERED))
def test_registered_tables_are_complete_in_both_languages(name):
    table = i18n.registered(name)
    langs = {k for k in table if k in ("en", "pt")}
    assert langs == {"en", "pt"}, name
    assert set(table["en"]) == set(table["pt"]), name

    def fields(v):
        if isinstance(v, str):
            return _fields(v)
        if isinstance(v, tuple | list):
            return set().union(*(fields(x) for x in v)) if v else set()
        if isinstance(v, dict):
            return set().union(*(fields(x) for x in v.values())) if v else set()
        return set()

    def base(names):  # "outcome_cap" is "outcome" capitalised where a language needs it
        return {n.removesuffix("_cap") for n in names}

    for key in table["en"]:
        assert base(fields(table["en"][key])) == base(fields(table["pt"][key])), (name, key)


def test_every_registry_field_and_layer_has_words():
    for layer in LAYERS.values():
        assert layer.title and layer.title_pt
        for f in layer.tooltip:
            assert i18n.has(f"fields.{f.column}"), (layer.name, f.column)
        for col in layer.kml:
            assert i18n.has(f"fields.{col}"), (layer.name, col)
        assert set(layer.hover) <= {f.column for f in layer.tooltip}, layer.name
        assert len(layer.hover) <= 3, layer.name


def test_every_reject_reason_has_a_portuguese_text():
    from hotspots.rejects import REASONS

    for code in REASONS:
        assert i18n.text(f"rejects.{code}", "pt") != i18n.text(f"rejects.{code}", "en")


def test_translator_and_lookup():
    t = i18n.translator("pt-BR", "map")
    assert t("js.search") == "Buscar rua"
    assert t("subtitle.week", week="2026-W47") == "semana 2026-W47"
    assert i18n.text("bulletin.week", "en") == "Week"
    assert t.get("nope") is None
    with pytest.raises(KeyError, match=r"no message 'map\.nope'"):
        t("nope")
    with pytest.raises(ValidationError, match="'pt'"):
        i18n.translator("fr")


@pytest.mark.parametrize(("value", "lang", "kw", "text"), [
    (1234.5, "pt", {"digits": 1}, "1.234,5"), (1234.5, "en", {"digits": 1}, "1,234.5"),
    (1234567, "pt", {}, "1.234.567"), (-0.04, "en", {"digits": 1}, "0.0"),
    (None, "pt", {}, "–"), (float("nan"), "en", {}, "–"), (float("inf"), "en", {}, "–"),
])
def test_numbers_in_the_locale(value, lang, kw, text):
    assert i18n.number(value, lang, **kw) == text


def test_signed_percent_and_dates():
    assert i18n.signed(-3, "pt") == "−3" and i18n.signed(3, "en") == "+3"
    assert i18n.signed(0, "en") == "0"
    assert i18n.percent(0.1234, "pt") == "12,3 %"
    assert i18n.percent(-0.05, "en", digits=0, sign=True) == "−5 %"
    assert i18n.date_text("2026-11-16", "pt") == "16/11/2026"
    assert i18n.date_text(dt.date(2026, 11, 16), "en") == "2026-11-16"
    import pandas as pd

    assert i18n.date_text(pd.Timestamp("2026-11-16 23:00", tz="America/Sao_Paulo"),
                          "pt") == "16/11/2026"


def test_hot_rule_and_reasons_in_words():
    from hotspots.i18n.phrases import hot_rule_text, reason_text

    assert "confiança" in hot_rule_text("Gi* bin ≥ 2 (hot spot, 95 % confidence or more)", "pt")
    assert hot_rule_text("top 5% of segments by count (no Gi* bins available)",
                         "pt").startswith("os 5 % dos segmentos")
    assert reason_text("outside_boundary", "pt") == "fora do limite da área de estudo"
    assert reason_text("unknown_code", "pt") == "unknown_code"
