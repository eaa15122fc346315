"""Address-only incidents through the whole run: [geocoding] read from the config, the street
layer's name parts, bairros, CEPs and odd/even ranges carried into the block faces."""

import textwrap

import numpy as np
import pandas as pd
import pytest

from hotspots import pipeline
from hotspots.config import ConfigError, load_config
from tests import municipal as mu

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("address_run")
    city = mu.make_city(named_grids=4, vila_grids=2)
    city.lines.to_file(tmp / "ruas.gpkg", layer="logradouros", driver="GPKG")
    addresses = mu.make_addresses(city, city.segments(), 600, seed=3)
    times = pd.date_range("2026-11-02", periods=len(addresses), freq="37min")
    pd.DataFrame({"numero_bo": [f"BO-{i}" for i in range(len(addresses))],
                  "data_hora": times.strftime("%d/%m/%Y %H:%M"),
                  "natureza": "roubo", "endereco": addresses["address"].to_numpy(),
                  "bairro": addresses["bairro"].to_numpy()},
                 ).to_csv(tmp / "ocorrencias.csv", sep=";", index=False)
    names = ", ".join(f'{k} = "{v}"' for k, v in mu.NAME_COLUMNS.items())
    (tmp / "cidade.toml").write_text(textwrap.dedent(f"""
        [inputs]
        incidents = "ocorrencias.csv"
        streets = "ruas.gpkg"
        streets_layer = "logradouros"
        streets_name_column = "NOME"
        time_format = "%d/%m/%Y %H:%M"
        [columns]
        id = "numero_bo"
        time = "data_hora"
        category = "natureza"
        address = "endereco"
        bairro = "bairro"
        [parameters]
        crs = "{mu.CRS}"
        language = "pt"
        [geocoding]
        range_convention = "odd_even"
        segment_bairro_column = "BAIRRO"
        segment_cep_column = "CEP"
        name_columns = {{ {names} }}
        """), encoding="utf-8")
    config = load_config(tmp / "cidade.toml")
    result = pipeline.analyse(config, week=None, now=pd.Timestamp("2027-01-01", tz="UTC"))
    return tmp, addresses, result


def test_address_only_records_land_on_the_right_block_faces(town):
    _tmp, addresses, result = town
    geo = result.geocoded
    assert len(geo.incidents) + len(geo.rejects) == geo.rows_read == len(addresses)
    sid = geo.incidents["segment_id"].reindex([f"BO-{i}" for i in range(len(addresses))])
    truth = addresses["truth"].to_numpy()
    ok = addresses["resolvable"].to_numpy()
    right = np.array([s in t for s, t in zip(sid.to_numpy(), truth, strict=True)])
    placed = sid.notna().to_numpy()
    assert right[ok].mean() >= 0.97, right[ok].mean()
    assert (placed & ~right).sum() <= 1  # wrong placements: at most one in 600
    segs = result.inputs.segments
    assert {"BAIRRO", "CEP", *mu.RANGE_COLUMNS} <= set(segs.columns)
    # reject details in the run's language
    details = geo.rejects.loc[geo.rejects["reason"] != "missing_location", "detail"].astype(str)
    english = r"\b(?:may be|scored|not found|is like|several streets|do not meet)\b"
    assert len(details) and not details.str.contains(english, regex=True).any(), \
        details.tolist()


def test_a_text_where_the_methods_list_belongs_names_the_setting(tmp_path):
    (tmp_path / "c.toml").write_text('[inputs]\nincidents = "x.csv"\nstreets = "y.gpkg"\n'
                                     '[geocoding]\nmethod = "auto"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"geocoding\.method"):
        load_config(tmp_path / "c.toml")


def test_address_qa_warnings_reach_the_terminal_and_the_bulletin(town, capsys):
    from hotspots import i18n
    from hotspots.bulletin_sections import qa_rows
    from hotspots.cli import print_summary

    _tmp, _addresses, result = town
    summary = result.summary()
    qa = summary["geocoding_qa"]
    assert qa["addresses"] == 600
    # a review warning whenever placements are flagged, in the run's language (pt)
    assert (qa["review"] > 0) == any("conferência humana" in w for w in qa["warnings"])
    qa = dict(qa, warnings=[*qa["warnings"], "47 lados de faixa de numeração inválidos"],
              review=qa["review"] + 3)
    summary = dict(summary, geocoding_qa=qa)
    print_summary(summary, {}, lang="pt")
    out = capsys.readouterr().out
    for warning in qa["warnings"]:
        assert f"atenção: {warning}" in out
    rows = qa_rows(summary, i18n.translator("pt", "bulletin"), "pt")
    assert rows["warnings"] == qa["warnings"]
    assert ("Endereços a conferir manualmente", i18n.number(qa["review"], "pt")) in rows["rows"]
