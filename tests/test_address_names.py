"""Street-name keys and fuzzy name matching (hotspots.address.names, hotspots.address.match)."""

import pytest
from rapidfuzz.distance import DamerauLevenshtein, Levenshtein

from hotspots.address.match import NameIndex, fuzzy_score, max_edits
from hotspots.address.names import normalize_bairro, normalize_street, split_locality


def key(name, **kw):
    return normalize_street(name, **kw).key


def test_single_letter_and_numeric_names_keep_their_own_keys():
    keys = [key(n) for n in ("Rua D Vila X", "Rua E Vila X", "Rua R Vila X", "Rua Vila X")]
    assert keys == ["D VILA X", "E VILA X", "R VILA X", "VILA X"]
    assert len({key(f"Rua {c}") for c in "ABCDEFGH"}) == 8
    assert [key("Rua I"), key("Rua V"), key("Rua X")] == ["I", "V", "X"]  # not roman numerals
    assert key("Rua 7") == "SETE" and key("Travessa 12") == "DOZE"
    assert key("Rua 1º de Maio") == key("Rua Primeiro de Maio") == key("Rua 1 de Maio")
    assert key("1ª Travessa São João") == key("Travessa 1 São João")


def test_titles_stay_in_the_key_and_leave_only_the_start_of_the_short_key():
    s = normalize_street("Vila do Sargento")
    assert (s.street_type, s.key, s.short_key) == ("VILA", "SARGENTO", "SARGENTO")
    assert s.alt_key == "VILA SARGENTO"  # "Rua Vila do Sargento", if that is the street
    g = normalize_street("R. Gal. Osório")
    assert (g.key, g.short_key) == ("GENERAL OSORIO", "OSORIO")
    assert normalize_street("Rua Professor Doutor Araújo").short_key == "ARAUJO"
    assert normalize_street("Rua João Sargento").short_key == "JOAO SARGENTO"


@pytest.mark.parametrize(("raw", "text"), [
    ("R. Des. Amaral", "RUA DESEMBARGADOR AMARAL"),
    ("R. Com. Gomes", "RUA COMENDADOR GOMES"),
    ("R. Comend. Gomes", "RUA COMENDADOR GOMES"),
    ("Av. Cap. Tenente Dias", "AVENIDA CAPITAO TENENTE DIAS"),
    ("R. Alm. Barroso", "RUA ALMIRANTE BARROSO"),
    ("R. Cons. Maciel", "RUA CONSELHEIRO MACIEL"),
    ("R. Fr. Caneca", "RUA FREI CANECA"),
    ("R. Visc. de Mauá", "RUA VISCONDE DE MAUA"),
    ("R. Bar. de Santa Tecla", "RUA BARAO DE SANTA TECLA"),
    ("R. Irm. Dulce", "RUA IRMAO DULCE"),
    ("R. S. João", "RUA SAO JOAO"),
    ("Rua Pe Anchieta", "RUA PADRE ANCHIETA"),
    ("Rua Pé de Moleque", "RUA PE DE MOLEQUE"),  # a foot before "de" is not a priest
    ("R. N. Sra. de Fátima", "RUA NOSSA SENHORA DE FATIMA"),
    ("Rod. BR 116", "RODOVIA BR 116"),
])
def test_abbreviations_are_expanded(raw, text):
    assert normalize_street(raw).text == text


@pytest.mark.parametrize(("raw", "stype", "k"), [
    ("AC SAO JOAO", "ACESSO", "SAO JOAO"), ("PSG DOS ANJOS", "PASSAGEM", "ANJOS"),
    ("DIR ZEFERINO COSTA", "DIRETRIZ", "ZEFERINO COSTA"), ("VA LESTE", "VIA", "LESTE"),
    ("LG DO MERCADO", "LARGO", "MERCADO"), ("VE DAS FLORES", "VIELA", "FLORES"),
    ("LE DA IGREJA", "LADEIRA", "IGREJA"), ("RP 12", "RUA", "PROJETADA DOZE"),
    ("ESP DOS MINISTERIOS", "ESPLANADA", "MINISTERIOS"), ("RTL DAS CUIAS", "ROTULA", "CUIAS"),
    ("Trvessa D", "TRAVESSA", "D"), ("Alaaeda Agueda", "ALAMEDA", "AGUEDA"),  # typo in type
])
def test_type_codes_and_typed_types(raw, stype, k):
    s = normalize_street(raw)
    assert (s.street_type, s.key) == (stype, k)


def test_type_code_table_is_extendable_and_rua_projetada_keys_alike():
    assert normalize_street("XYZ FLORES").street_type == ""
    ext = normalize_street("XYZ FLORES", type_codes={"XYZ": "TRAVESSA"})
    assert (ext.street_type, ext.key) == ("TRAVESSA", "FLORES")
    assert key("RP 12") == key("Rua Projetada 12")


def test_locality_suffix_is_split_the_same_way_in_references_and_addresses():
    ref = normalize_street("RUA PALMARES - JD POR DO SOL")
    written = normalize_street("Rua Palmares - Jd. Por do Sol")
    assert (ref.key, ref.locality) == (written.key, written.locality) == (
        "PALMARES", "JARDIM POR DO SOL")
    assert split_locality("RUA A (VILA NOVA)") == ("RUA A", "VILA NOVA")
    assert normalize_bairro("Vl. Nova") == normalize_bairro("VILA NOVA") == "VILA NOVA"
    assert normalize_bairro("Bairro Centro") == "CENTRO"


def test_one_letter_code_without_a_full_stop_keeps_the_other_reading():
    assert normalize_street("R Vila Nova").alt_key == "R VILA NOVA"
    assert normalize_street("R. Vila Nova").alt_key == ""
    assert normalize_street("R. Vila Nova").type_abbreviated


# --- fuzzy matching ---------------------------------------------------------------------------


def test_a_swap_is_one_edit_and_the_score_is_length_aware():
    # rapidfuzz OSA counts a transposition as one edit, Levenshtein (Indel: 2) as two
    assert DamerauLevenshtein.distance("OSORIO", "OSROIO") == 1
    assert Levenshtein.distance("OSORIO", "OSROIO") == 2
    assert fuzzy_score(1, 6) == pytest.approx(88.9)  # > 85: a swap in a 6-letter name passes
    assert fuzzy_score(1, 3) == pytest.approx(83.3)  # "PAZ" never tolerates an edit
    assert [max_edits(n, 85) for n in (1, 3, 4, 10, 11, 16, 17)] == [0, 0, 1, 1, 2, 2, 3]


def _index(*keys):
    return NameIndex(list(keys), [normalize_street(k).short_key for k in keys])


def test_typos_in_short_names_match_their_only_neighbour():
    idx = _index("OSORIO", "PAZ", "GONCALVES CHAVES", "TIRADENTES")
    m = idx.match(["OSROIO", "GONCALVEZ CHAVEZ", "TIRADNETES", "PAS"],
                  ["OSROIO", "GONCALVEZ CHAVEZ", "TIRADNETES", "PAS"])
    hits = dict(zip(m.pairs["query"], idx.keys[m.pairs["key"]]))
    assert hits == {0: "OSORIO", 1: "GONCALVES CHAVES", 2: "TIRADENTES"}
    assert m.pairs["score"].tolist() == [88.9, 89.5, 92.3]
    assert m.best_score[3] == 83.3 and m.best_text[3] == "PAZ"  # reported, not matched


def test_equally_near_keys_are_all_returned_and_words_are_checked():
    idx = _index("SAO JOSE", "SAO JOAO", "D VILA X", "GOMES CARNEIRO", "VINTE E DOIS")
    m = idx.match(["SAO JOSO", "E VILA X", "TOMAS CARNEIRO", "VINTE E UM"],
                  ["SAO JOSO", "E VILA X", "TOMAS CARNEIRO", "VINTE E UM"])
    assert sorted(idx.keys[m.pairs.loc[m.pairs["query"] == 0, "key"]]) == ["SAO JOAO",
                                                                          "SAO JOSE"]
    assert set(m.pairs["query"]) == {0}  # one letter, a whole word, a number: not typos
    assert m.near_miss[2] == "words" and m.best_score[2] == pytest.approx(88.2)


def test_exact_title_less_and_alternative_hits():
    idx = _index("GENERAL OSORIO", "VILA NOVA", "NOVA")
    m = idx.match(["OSORIO", "NOVA"], ["OSORIO", "NOVA"], ["", "VILA NOVA"])
    kinds = list(zip(m.pairs["query"], idx.keys[m.pairs["key"]], m.pairs["kind"],
                     m.pairs["score"]))
    assert kinds == [(0, "GENERAL OSORIO", "short", 92.0), (1, "NOVA", "exact", 100.0),
                     (1, "VILA NOVA", "alt", 100.0)]


def test_standardised_names_agree_with_enderecobr_on_the_city_streets():
    """Independent check: enderecobr (IPEA's standardiser) on every street of Pelotas (CEP
    Aberto), full names and the abbreviations clerks write."""
    import re

    import enderecobr

    from hotspots.address.names import strip_accents
    from tests import municipal as mu

    def theirs(name):
        text = strip_accents(enderecobr.padronizar_logradouros(name)).upper()
        return re.sub(r"\s+", " ", text.replace("-", " ").replace(".", " ")).strip()

    names = sorted(n for n in set(mu.city_names()["name"]) if "," not in n)
    agree = sum(normalize_street(n).text == theirs(n) for n in names) / len(names)
    abbreviated = [(n, a) for n in names
                   if (a := n.replace("Rua ", "R. ").replace("Avenida ", "Av. ")
                       .replace("Doutor ", "Dr. ").replace("General ", "Gal. ")
                       .replace("Professor ", "Prof. ").replace("Coronel ", "Cel. ")) != n]
    ours = sum(normalize_street(a).key == normalize_street(n).key for n, a in abbreviated)
    print(f"\nenderecobr agreement on {len(names)} Pelotas names: {agree:.2%}; abbreviations "
          f"read back: {ours / len(abbreviated):.2%} of {len(abbreviated)}")
    assert len(names) > 1000 and agree >= 0.99
    assert ours == len(abbreviated)


def test_key_words_shortcut_equals_the_word_by_word_reading():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from hotspots.address.names import _key_words, _word_key

    def slow(words):
        out = []
        for i, w in enumerate(words):
            out.extend(_word_key(w, i < len(words) - 1 and words[i + 1] == "DE"))
        kept = [w for w in out if w not in {"DA", "DE", "DO", "DAS", "DOS"}]
        return kept or out

    words = st.one_of(st.text("IVXLCDEA019", max_size=5),
                      st.sampled_from(["PRIMEIRO", "DE", "MAIO", "XV", "CIVIL", "MIL", "15"]))

    @settings(max_examples=300, deadline=None)
    @given(st.lists(words, max_size=6))
    def check(ws):
        assert _key_words(ws) == slow(ws)

    check()
