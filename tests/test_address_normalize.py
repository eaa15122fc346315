"""Parsing and normalising Brazilian addresses (hotspots.address.normalize)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspots.address.normalize import (
    normalize_street,
    number_to_words,
    parse_address,
    parse_addresses,
    roman_to_int,
)


@pytest.mark.parametrize(
    ("raw", "text", "stype", "key"),
    [
        ("R. Gonçalves Chaves", "RUA GONCALVES CHAVES", "RUA", "GONCALVES CHAVES"),
        ("Rua Gonçalves Chaves", "RUA GONCALVES CHAVES", "RUA", "GONCALVES CHAVES"),
        ("Av. Bento Gonçalves", "AVENIDA BENTO GONCALVES", "AVENIDA", "BENTO GONCALVES"),
        ("Avda Bento Goncalves", "AVENIDA BENTO GONCALVES", "AVENIDA", "BENTO GONCALVES"),
        ("Tv. Um", "TRAVESSA UM", "TRAVESSA", "UM"),
        ("Trav Dois", "TRAVESSA DOIS", "TRAVESSA", "DOIS"),
        ("Al. das Guajuviras", "ALAMEDA DAS GUAJUVIRAS", "ALAMEDA", "GUAJUVIRAS"),
        ("Pç. Coronel Pedro Osório", "PRACA CORONEL PEDRO OSORIO", "PRACA", "CORONEL PEDRO OSORIO"),
        ("Praça Coronel Pedro Osório", "PRACA CORONEL PEDRO OSORIO", "PRACA", "CORONEL PEDRO OSORIO"),
        ("Estr. do Engenho", "ESTRADA DO ENGENHO", "ESTRADA", "ENGENHO"),
        ("Rod. BR 116", "RODOVIA BR 116", "RODOVIA", "BR CENTO E DEZESSEIS"),
        ("Lgo. do Mercado", "LARGO DO MERCADO", "LARGO", "MERCADO"),
        ("R. Mal. Deodoro", "RUA MARECHAL DEODORO", "RUA", "MARECHAL DEODORO"),
        ("r ns sra da piedade", "RUA NOSSA SENHORA DA PIEDADE", "RUA", "NOSSA SENHORA PIEDADE"),
        ("RUA DOUTOR CASSIANO", "RUA DOUTOR CASSIANO", "RUA", "DOUTOR CASSIANO"),
        ("Mannerheimintie", "MANNERHEIMINTIE", "", "MANNERHEIMINTIE"),
        ("Yrjö-Koskisen katu", "YRJO KOSKISEN KATU", "", "YRJO KOSKISEN KATU"),
    ],
)
def test_normalize_street_expands_types_titles_and_accents(raw, text, stype, key):
    name = normalize_street(raw)
    assert (name.text, name.street_type, name.key) == (text, stype, key)


def test_ordinal_roman_and_arabic_numerals_share_one_key():
    keys = {normalize_street(s).key for s in
            ["Rua XV de Novembro", "rua 15 de novembro", "RUA QUINZE DE NOVEMBRO", "R. Quinze Novembro"]}
    assert keys == {"QUINZE NOVEMBRO"}
    assert normalize_street("Av. Dom Pedro II").key == "DOM PEDRO DOIS"
    assert normalize_street("R. Gal. Osório").short_key == "OSORIO"
    assert normalize_street("Rua Santa Cruz").short_key == "SANTA CRUZ"


def test_numbers_words_and_romans():
    assert number_to_words(15) == "QUINZE"
    assert number_to_words(32) == "TRINTA E DOIS"
    assert number_to_words(100) == "CEM"
    assert number_to_words(116) == "CENTO E DEZESSEIS"
    assert [roman_to_int(t) for t in ["XV", "II", "IV", "XLIX", "MI", "ABC", ""]] == [
        15, 2, 4, 49, None, None, None]


def test_sample_city_finnish_names_survive():
    import geopandas as gpd

    from hotspots import sample

    streets = gpd.read_file(sample.city_path(), layer="streets")
    names = sorted(set(streets["name"].dropna()) - {""})
    keys = [normalize_street(n).key for n in names]
    assert len(set(keys)) == len(names)  # no two Finnish names collapse into one
    assert all(k for k in keys)


@pytest.mark.parametrize(
    ("raw", "street_key", "number", "kind", "bairro", "cep", "complement"),
    [
        ("R. Gonçalves Chaves, 1234 - Centro", "GONCALVES CHAVES", 1234, "number", "Centro", "", ""),
        ("Rua Gonçalves Chaves 1.234", "GONCALVES CHAVES", 1234, "number", "", "", ""),
        ("Rua Gonçalves Chaves, nº 1234", "GONCALVES CHAVES", 1234, "number", "", "", ""),
        ("Rua Marechal Deodoro n° 7", "MARECHAL DEODORO", 7, "number", "", "", ""),
        ("Rua XV de Novembro s/n", "QUINZE NOVEMBRO", None, "sn", "", "", ""),
        ("Rua XV de Novembro, S/N - Centro", "QUINZE NOVEMBRO", None, "sn", "Centro", "", ""),
        ("Rua 15 de Novembro 1234", "QUINZE NOVEMBRO", 1234, "number", "", "", ""),
        ("Rua Quinze de Novembro, nº 1.234, apto 302 - Centro, CEP 96015-560", "QUINZE NOVEMBRO",
         1234, "number", "Centro", "96015560", "apto 302"),
        ("Rua Andrade Neves 1500 96020080", "ANDRADE NEVES", 1500, "number", "", "96020080", ""),
        ("Rua Andrade Neves, 1500, fundos", "ANDRADE NEVES", 1500, "number", "", "", "fundos"),
        ("R. Dom Pedro II 500 bloco B apto 12", "DOM PEDRO DOIS", 500, "number", "", "", "bloco B apto 12"),
        ("Rua Tiradentes 2.500 - Bairro Centro", "TIRADENTES", 2500, "number", "Centro", "", ""),
        ("Travessa 2", "DOIS", None, "missing", "", "", ""),
        ("Rua 2, 45", "DOIS", 45, "number", "", "", ""),
        ("Mannerheimintie, 20 B - Keskusta", "MANNERHEIMINTIE", 20, "number", "Keskusta", "", ""),
        ("  Mannerheimintie  nº 12 ", "MANNERHEIMINTIE", 12, "number", "", "", ""),
        ("Liisankatu, 29, Helsinki", "LIISANKATU", 29, "number", "", "", ""),
        ("R. Félix da Cunha 580 - Centro - Pelotas/RS", "FELIX CUNHA", 580, "number", "Centro", "", ""),
    ],
)
def test_parse_address_parts(raw, street_key, number, kind, bairro, cep, complement):
    p = parse_address(raw, city_names=("Pelotas", "Helsinki"))
    assert p.problem == ""
    assert p.street.key == street_key
    assert (p.number, p.number_kind, p.bairro, p.cep, p.complement) == (
        number, kind, bairro, cep, complement)


def test_parse_km_and_suffix():
    p = parse_address("Rodovia BR 116 km 12")
    assert (p.street.key, p.number_kind, p.km) == ("BR CENTO E DEZESSEIS", "km", 12.0)
    assert parse_address("Rua Um, 12A").number_suffix == "A"


@pytest.mark.parametrize(
    ("raw", "first", "second"),
    [
        ("Av Bento Gonçalves esq. Rua Santa Cruz", "BENTO GONCALVES", "SANTA CRUZ"),
        ("Av. Bento Gonçalves esquina com Rua Santa Cruz", "BENTO GONCALVES", "SANTA CRUZ"),
        ("Rua Santa Cruz c/ Rua Andrade Neves", "SANTA CRUZ", "ANDRADE NEVES"),
        ("Rua Santa Cruz com Rua Andrade Neves - Centro", "SANTA CRUZ", "ANDRADE NEVES"),
        ("Av. Duque de Caxias x R. Gal. Osório", "DUQUE CAXIAS", "GENERAL OSORIO"),
        ("Rua XV de Novembro & Rua Sete de Setembro", "QUINZE NOVEMBRO", "SETE SETEMBRO"),
    ],
)
def test_parse_intersections(raw, first, second):
    p = parse_address(raw)
    assert p.problem == ""
    assert (p.street.key, p.cross_street.key) == (first, second)
    assert p.number is None


@pytest.mark.parametrize(
    ("raw", "problem"),
    [("", "address_empty"), ("   ", "address_empty"), (None, "address_empty"),
     (float("nan"), "address_empty"), (12.5, "invalid_address"), ("96015560", "invalid_address"),
     ("Rua X, 99999999", "invalid_number"), ("Rua Um, 0", "invalid_number"),
     ("Rua Caraca \ufffd 12", "invalid_address"), ("Rua\x00Um 1", "invalid_address")],
)
def test_bad_input_becomes_a_problem_not_an_exception(raw, problem):
    assert parse_address(raw).problem == problem


def test_bytes_in_legacy_encoding_are_decoded():
    p = parse_address("Rua Caraça 12".encode("cp1252"))
    assert (p.street.key, p.number) == ("CARACA", 12)


def test_parse_addresses_aligns_with_the_input_index():
    s = pd.Series(["Rua Um, 10", None, "Rua Um, 10", 5], index=[7, 3, 9, 1])
    out = parse_addresses(s)
    assert list(out.index) == [7, 3, 9, 1]
    assert out["number"].tolist()[0] == 10 and out["number"].tolist()[2] == 10
    assert out["problem"].tolist() == ["", "address_empty", "", "invalid_address"]
    assert out["number"].dtype == "Int64"
    assert np.all(out.columns == out.columns)


# -- the quick path of the commonest shape gives the full parser's result ---------------------
_WORDS = ["RUA", "Rua", "av", "Avenida", "R", "TV", "Travessa", "JOAO", "joão", "Gonçalves",
          "D", "X", "E", "N", "NO", "NR", "NUM", "NUMERO", "BR", "RS", "KM", "ESQ", "ESQUINA",
          "COM", "SEM", "NUMERO", "BAIRRO", "CASA", "APTO", "AP", "BLOCO", "FUNDOS", "LOTE",
          "QUADRA", "EM", "FRENTE", "AO", "LADO", "VILA", "NOVA", "CEP", "CEPEDA", "SAO", "S",
          "SANTA", "DE", "DA", "DOS", "QUINZE", "NOVEMBRO", "Sargento", "Dom", "Pedro", "II",
          "R.", "Av.", "TV.", "S.", "B.", "N.", "Dr.", "Esq.", "Km.", "Cep", "SC", "RS"]
_SEPARATORS = [", ", ",", " ", " nº ", " n. ", " N.", ", nº ", ", NO ", " numero ", " NUMERO. ",
               " Nr ", " #"]


def _full_and_quick(text):
    from hotspots.address.normalize import _parse

    return _parse(text, (), ()), _parse(text, (), (), simple=False)


@pytest.mark.parametrize("text", [
    "Rua Douotor Camilo Mércio, 275", "beco maria flor vieira 143", "Rua Ado Malagtli, nº 406",
    "RUA LUIZ MANOEL 62", "Acesso M Quatro n. 298", "rua luiz onzi 166", "RUA X 12",
    "Rua Joao No 5", "Rua Joao N5", "Rua BR 116", "Rua da Casa Verde 10", "Rua Em Frente 3",
    "Estrada do KM 12", "Rua Sem Nome 4", "Rua do Bairro 7", "Rua Joao 0", "Rua Joao 00012",
    "Rua Joao 123456", "Rua Joao, numero 5", "RUA, 123", "Avenida 7", "Travessa Dois 15",
    "Rua Joao NUMERO. 5", "Rua Projetada 4", "Rua Quadra 5", "Rua Nova Esq 5",
])
def test_quick_path_equals_full_parse(text):
    quick, full = _full_and_quick(text)
    assert quick == full


_TAILS = ["", ", CEP 96010-100", " CEP 96010100", ", 96010100", " - 96010-100", ", cep: 96.010-100",
          " - RS", ", Pelotas", " apto 3", " - Centro", ", CEP 96010-100 - RS", " Centro",
          " - Vila Nova", " fundos", " A Vila", " de Maio", " DO SUL", " SP", " - Vila SC",
          " - Bairro Novo", " casa 2", " bloco B Vila Nova", " Esq Rua B", " - A", " B",
          " lote AB Novo", " - Jardim X", " em frente", " Centro, CEP 96010-100"]


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=5),
       st.sampled_from(_SEPARATORS), st.integers(0, 120_000), st.booleans(),
       st.sampled_from(_TAILS))
def test_quick_path_equals_full_parse_property(words, sep, number, upper, tail):
    text = " ".join(words) + sep + str(number) + tail
    quick, full = _full_and_quick(text.upper() if upper else text)
    assert quick == full


@pytest.mark.parametrize(("text", "taken"), [
    ("RUA DOUTOR CAMILO MERCIO, 275", True), ("RUA ADO MALAGTLI, NO 406", True),
    ("BECO MARIA FLOR VIEIRA 143", True), ("RUA JOAO, NUMERO 5", True),
    ("RUA JOAO NO 5", False), ("RUA JOAO NUMERO 5", False), ("RUA BR 116", False), ("RUA DA CASA VERDE 10", False),
    ("RUA X 12", False), ("RUA JOAO 0", False), ("RUA JOAO 123456", False),
    ("RUA JOAO 12 - CENTRO", True), ("ESTRADA DO KM 12", False),
    ("R. ANGELO PEZZOLATTO, 41", True), ("TV. MUTIRAO N. 563", True), ("R. ROUXINOIS 287", True),
    ("S. JOAO 5", False), ("B. NOVO 5", False), ("R.ROUXINOIS 287", False),
    ("RUA JOAO, 370 - CIDADE DE AGUEDA", True), ("RUA JULIO OSTROWSKI, 675 FUNDOS", True),
    ("RUA ELPIDIO LIMBERGER 109 CRUZEIRO", True), ("RUA QUINZE 15 DE NOVEMBRO", False),
    ("RUA JOAO 5 - VILA SC", False), ("RUA JOAO, NO 5 A", False),
])
def test_quick_path_is_taken_only_for_the_plain_shape(text, taken):
    from hotspots.address.normalize import _parse_simple

    assert (_parse_simple(text, text, ()) is not None) is taken
    quick, full = _full_and_quick(text)
    assert quick == full


def test_parsed_objects_are_ordinary_frozen_dataclasses():
    import dataclasses
    import pickle

    from hotspots.address.names import StreetName
    from hotspots.address.normalize import ParsedAddress

    p = parse_address("Rua Joao Pessoa, 123")
    street = StreetName("RUA JOAO PESSOA", "RUA", "JOAO PESSOA", "JOAO PESSOA", "")
    assert normalize_street("Rua Joao Pessoa") == street
    assert p == ParsedAddress(street=street, number=123, number_suffix="", number_kind="number",
                              km=None, complement="", bairro="", cep="", cross_street=None,
                              problem="")
    assert hash(p) == hash(parse_address("Rua Joao Pessoa, 123"))
    assert pickle.loads(pickle.dumps(p)) == p and dataclasses.replace(p, number=7).number == 7
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.number = 5  # type: ignore[misc]
    assert parse_address("").name_number == "" and parse_address("").problem == "address_empty"


def test_quick_path_after_the_cep_is_cut():
    from hotspots.address.normalize import _parse_simple

    text = "Rua Arlindo Grundrling, 495, CEP 96130-093"
    quick, full = _full_and_quick(text)
    assert quick == full and quick.cep == "96130093" and quick.number == 495
    assert quick.street.key == "ARLINDO GRUNDRLING"
    rest = _parse_simple("RUA ARLINDO GRUNDRLING, 495", "RUA ARLINDO GRUNDRLING, 495", (),
                         cep="96130093")
    assert rest == quick
