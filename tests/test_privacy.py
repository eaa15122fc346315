"""Privacy filters: allow-lists, personal columns, small-count suppression, incident points."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots import privacy, sample
from hotspots._errors import ValidationError

PERSONAL = {"vitima_nome": "Fulana de Tal", "narrativa": "Vítima relata subtração",
            "cpf": "123.456.789-00", "rg": "12.345.678-9", "telefone": "(53) 99999-0000",
            "autor_nome": "Beltrano", "email": "a@b.com", "historico": "texto livre",
            "nome_mae": "Maria", "idade_vitima": 31}
#: the personal column names of issue 13 that reached rejects.csv with the old filter
ISSUE_13_NAMES = ["Nome Vítima", "NomeAutor", "CPF do Autor", "Telefone-Vitima", "nomevitima",
                  "observacoes", "placa_veiculo", "texto_livre", "complemento", "contato",
                  "envolvidos"]


def _segments() -> gpd.GeoDataFrame:
    n = 6
    seg = gpd.GeoDataFrame(
        {"street_name": [f"Rua {i}" for i in range(n)], "length_m": 100.0,
         "count": [0, 1, 2, 3, 10, 2], "night_count": [0, 1, 0, 2, 5, 2],
         "night_share": [np.nan, 1.0, 0.0, 2 / 3, 0.5, 1.0], "gi_bin": [0, 0, 1, 2, 3, 0],
         **PERSONAL},
        geometry=[shapely.LineString([(i * 200, 0), (i * 200, 100)]) for i in range(n)],
        crs=32722)
    seg["rate_per_100m"] = seg["count"] / seg["length_m"] * 100
    seg.index = pd.Index(np.arange(n) + 10, name="segment_id")
    return seg


def _texts(series: pd.Series) -> list:
    """Values of a text column, missing ones as None (pandas 3 stores them as NaN)."""
    return [v if isinstance(v, str) else None for v in series]


@pytest.mark.parametrize("name", [*list(PERSONAL), *ISSUE_13_NAMES, "vitima", "Nome", "CPF_autor",
                                  "phone", "victim_age", "descricao", "DataNascimento",
                                  "nome-do-autor", "E-mail", "telefoneContato", "RG Vítima"])
def test_personal_column_names_are_recognised(name):
    assert privacy.is_personal_column(name)


@pytest.mark.parametrize("name", ["street_name", "count", "segment_id", "category", "gi_bin",
                                  "occurred_at", "bairro", "priority_reason", "rate_per_100m",
                                  "nome_rua", "NomeLogradouro", "nome do bairro", "address",
                                  "endereco", "natureza", "data_hora", "latitude", "stage",
                                  "hotel", "tipo_local"])
def test_analysis_columns_are_not_personal(name):
    assert not privacy.is_personal_column(name)


def test_names_are_normalised_for_accents_case_spaces_hyphens_and_camel_case():
    assert privacy.normalise_name("Nome Vítima") == "nome_vitima"
    assert privacy.normalise_name("NomeAutor") == "nome_autor"
    assert privacy.normalise_name("Telefone-Vitima") == "telefone_vitima"
    assert privacy.normalise_name("  CPF do  Autor ") == "cpf_do_autor"


def test_low_level_suppression_nulls_counts_below_k_and_flags_the_rows():
    seg = _segments()
    out = privacy.suppress_small_counts(seg, k=3)
    assert out["suppressed"].tolist() == [False, True, True, True, False, True]
    assert out["count"].isna().tolist() == [False, True, True, False, False, True]
    assert out["rate_per_100m"].isna().tolist() == [False, True, True, False, False, True]
    # night counts below k are suppressed on their own (row 3: count 3, night 2)
    assert out["night_count"].isna().tolist() == [False, True, False, True, False, True]
    assert out.loc[10, "count"] == 0 and out.loc[14, "count"] == 10
    assert seg["count"].tolist() == [0, 1, 2, 3, 10, 2]  # input untouched


def test_k_one_suppresses_nothing_and_bad_k_is_an_error():
    out = privacy.suppress_small_counts(_segments(), k=1)
    assert not out["suppressed"].any()
    with pytest.raises(ValidationError, match="whole number"):
        privacy.suppress_small_counts(_segments(), k=0)
    with pytest.raises(ValidationError, match="k = 2 protects nothing"):
        privacy.liaison_layer("segments", _segments(), k=2)
    with pytest.raises(ValidationError, match="whole number"):
        privacy.liaison_layer("segments", _segments(), k="3")


def test_liaison_segments_keep_only_allow_listed_columns_with_per_field_status():
    out = privacy.liaison_layer("segments", _segments(), k=3)
    assert set(out.columns) <= set(privacy.LIAISON_COLUMNS["segments"])
    assert not set(PERSONAL) & set(out.columns)
    assert out.index.name == "segment_id" and len(out) == 6
    assert out["count"].isna().tolist() == [False, True, True, False, False, True]
    assert _texts(out["count_status"]) == [None, "k_rule", "k_rule", None, None, "k_rule"]
    # the row flag is the count's own: True only where the count itself is 1 … k−1
    assert out["suppressed"].tolist() == [False, True, True, False, False, True]
    # night 2 of 3 (small) and 5 of 10 (shown); night 0 of a hidden count 2 is withheld too
    assert _texts(out["night_count_status"]) == [None, "k_rule", "k_rule", "k_rule", None,
                                                 "k_rule"]
    # classes need the run's statistics to be recomputed on protected counts: left out here
    assert "gi_bin" not in out.columns


def test_liaison_tables_drop_unlisted_layers_and_incident_points():
    seg = _segments()
    inc = gpd.GeoDataFrame({"category": ["furto"], "occurred_at": [pd.Timestamp("2026-08-31 23:10",
                                                                                tz="America/Sao_Paulo")],
                            "segment_id": [10], **{k: [v] for k, v in PERSONAL.items()}},
                           geometry=[shapely.Point(0, 0.5)], crs=32722)
    tables = {"segments": seg, "incidents": inc, "rejects": pd.DataFrame(PERSONAL, index=[0]),
              "counts_by_week": pd.DataFrame({"segment_id": [10], "count": [1]})}
    out = privacy.liaison_tables(tables, k=3)
    assert set(out) == {"segments"}
    out = privacy.liaison_tables(tables, k=3, include_incident_points=True)
    assert list(out["incidents"].columns) == ["category", "occurred_date", "segment_id", "geometry"]
    assert out["incidents"]["occurred_date"].tolist() == ["2026-08-31"]  # no time of day
    # a quoted boolean never widens what liaisons receive
    with pytest.raises(ValidationError, match="true or false"):
        privacy.liaison_tables(tables, k=3, include_incident_points="false")


def test_liaison_release_reports_what_a_setting_widens():
    rel = privacy.liaison_release({"segments": _segments()}, k=1,
                                  settings=privacy.DisclosureSettings(min_length_m=0))
    assert rel.report["widened"] == ["k = 1: no count is withheld",
                                     "min_length_m = 0: short segments carry counts"]
    assert rel.layers["segments"]["count"].tolist() == [0, 1, 2, 3, 10, 2]


def test_analyst_tables_drop_personal_fields_but_keep_place_names():
    green = gpd.GeoDataFrame({"name": ["Praça"], "adopted": [True]},
                             geometry=[shapely.box(0, 0, 1, 1)], crs=32722)
    out = privacy.analyst_tables({"segments": _segments(), "green_areas": green})
    assert not set(PERSONAL) & set(out["segments"].columns)
    assert "street_name" in out["segments"].columns and "count" in out["segments"].columns
    assert out["green_areas"]["name"].tolist() == ["Praça"]


def test_the_sample_incidents_personal_fields_never_enter_a_table():
    from hotspots import ingest

    raw = pd.read_csv(sample.incidents_path(), dtype=str)
    assert {"narrativa", "vitima_nome"} <= set(raw.columns)  # the input really is personal
    read = ingest.read_incidents(sample.incidents_path(), time_format="%d/%m/%Y %H:%M",
                                 timezone="Europe/Helsinki")
    for table in (read.incidents, read.rejects):
        assert not {"narrativa", "vitima_nome"} & set(table.columns)
    assert {"occurred_at", "category", "address", "bairro"} <= set(read.incidents.columns)
    assert read.privacy["personal_columns_dropped"] == ["narrativa", "vitima_nome"]


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    from hotspots import pipeline

    out = tmp_path_factory.mktemp("run") / "demo"
    return pipeline.run_all(pipeline.sample_config(), out)


def _personal_values() -> set[str]:
    raw = pd.read_csv(sample.incidents_path(), dtype=str)
    values = set(raw["vitima_nome"].dropna()) | set(raw["narrativa"].dropna())
    return {v for v in values if len(v) >= 6}


@pytest.mark.slow
def test_no_output_of_the_sample_run_carries_personal_data(sample_run):
    out = sample_run.files["map"].parent
    secrets = _personal_values()
    assert len(secrets) > 10
    files = [p for p in out.rglob("*") if p.is_file() and p.name != "manifest.json"]
    assert len(files) > 10
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="ignore")
        assert "vitima_nome" not in text and "narrativa" not in text, path
        leaked = [s for s in secrets if s in text]
        assert not leaked, (path, leaked[:3])
    manifest = (out / "manifest.json").read_text(encoding="utf-8")
    assert not [s for s in secrets if s in manifest]


@pytest.mark.slow
def test_sample_run_output_layout(sample_run):
    import pyogrio

    out = sample_run.files["map"].parent
    liaison = out / "liaison"
    for name in ("map.html", "layers.gpkg", "rejects.csv", "manifest.json", "plan.csv",
                 "council_sheet.html"):
        assert (out / name).is_file(), name
    for name in ("map.html", "layers.gpkg", "layers.kml", "segments.geojson", "README.txt"):
        assert (liaison / name).is_file(), name
    assert sample_run.files["liaison"] == liaison
    layers = {n for n, _ in pyogrio.list_layers(liaison / "layers.gpkg")}
    assert "incidents" not in layers and "rejects" not in layers and "segments" in layers
    assert "incidents" in {n for n, _ in pyogrio.list_layers(out / "layers.gpkg")}
    seg = pyogrio.read_dataframe(liaison / "layers.gpkg", layer="segments")
    assert not seg["count"].isin([1, 2]).any() and seg["suppressed"].any()
    assert set(seg.columns) <= set(privacy.LIAISON_COLUMNS["segments"]) | {"geometry"}
    full = pyogrio.read_dataframe(out / "layers.gpkg", layer="segments")
    assert full["count"].isin([1, 2]).any()  # the analyst sees every count
    for tif in out.glob("*.tif"):
        assert tif.with_suffix(".qml").is_file() and (liaison / tif.name).is_file()
