"""The prepared geocoder's API, settings, CEP/bairro rules, scores, reviews and corners."""

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots._errors import ValidationError
from hotspots._settings import build_section, template_lines
from hotspots.address import (
    AddressGeocoder,
    GeocodingResult,
    GeocodingSettings,
    geocode_addresses,
    prepare,
)
from hotspots.segments import build_segments
from tests.test_address_fixtures import CRS, X0, Y0, grid_segments, segment_of

ODD_EVEN = ["NUM_IMPAR_INI", "NUM_IMPAR_FIM", "NUM_PAR_INI", "NUM_PAR_FIM"]


def records(*addresses, **cols):
    frame = pd.DataFrame({"address": list(addresses), **cols})
    frame.index = pd.Index([f"BO-{i}" for i in range(len(frame))], name="incident_id")
    return frame


@pytest.fixture(scope="module")
def grid():
    return grid_segments()


def _line(name, x0, y0, x1, y1, rng, **extra):
    return {"NOME": name, "geometry": shapely.LineString([(x0, y0), (x1, y1)]),
            **dict(zip(ODD_EVEN, rng)), **extra}


@pytest.fixture(scope="module")
def two_towns():
    """Municipal-style layer: "UM" in two vilas 3 km apart (same bairro, different CEPs), a
    "RUA PALMARES" in two localities, type/preposition/name columns and odd/even ranges."""
    rows = [
        _line("UM", X0, Y0, X0 + 100, Y0, (1, 99, 2, 98), TIPO="R", PREP="", LOCAL="VILA A",
              BAIRRO="FRAGATA", CEP="96010100"),
        _line("UM", X0 + 100, Y0, X0 + 200, Y0, (101, 199, 100, 198), TIPO="R", PREP="",
              LOCAL="VILA A", BAIRRO="FRAGATA", CEP="96010100"),
        _line("UM", X0, Y0 + 3000, X0 + 100, Y0 + 3000, (1, 99, 2, 98), TIPO="R", PREP="",
              LOCAL="VILA B", BAIRRO="FRAGATA", CEP="96010200"),
        _line("PALMARES", X0, Y0 + 1000, X0 + 100, Y0 + 1000, (1, 99, 2, 98), TIPO="R",
              PREP="", LOCAL="JD POR DO SOL", BAIRRO="AREAL", CEP="96080000"),
        _line("PALMARES", X0, Y0 + 2000, X0 + 100, Y0 + 2000, (1, 99, 2, 98), TIPO="R",
              PREP="", LOCAL="VILA X", BAIRRO="AREAL", CEP="96080000"),
        _line("REPUBLICA", X0 + 1000, Y0, X0 + 1000, Y0 + 100, (501, 599, 500, 598), TIPO="R",
              PREP="DA", LOCAL="", BAIRRO="CIDADE BAIXA", CEP="96020500"),
        _line("FLORES", X0 + 2000, Y0, X0 + 2000, Y0 + 100, (1, 99, 2, 98), TIPO="VE",
              PREP="DAS", LOCAL="", BAIRRO="CENTRO", CEP="96020600"),
        _line("FLORES", X0 + 2200, Y0, X0 + 2200, Y0 + 100, (1, 99, 2, 98), TIPO="AV",
              PREP="DAS", LOCAL="", BAIRRO="CENTRO", CEP="96020700"),
    ]
    lines = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    return build_segments(lines, name_column="NOME",
                          keep_columns=["NOME", "TIPO", "PREP", "LOCAL", "BAIRRO", "CEP",
                                        *ODD_EVEN])


def town_settings(**extra):
    options = dict(range_convention="odd_even", segment_bairro_column="BAIRRO",
                   segment_cep_column="CEP",
                   name_columns={"type": "TIPO", "preposition": "PREP", "name": "NOME",
                                 "locality": "LOCAL"})
    return GeocodingSettings(**{**options, **extra})


@pytest.fixture(scope="module")
def town(two_towns):
    return prepare(two_towns, settings=town_settings())


def seg_at(segments, x, y):
    d = segments.distance(shapely.Point(x, y))
    return int(d.idxmin())


# --- API ------------------------------------------------------------------------------------


def test_prepare_then_geocode_frames_in_frames_out(town, two_towns):
    recs = records("Rua Um, 50", "Rua Um, 150", "Rua Inexistente, 5",
                   cep=["96010100", "96010100", ""], bairro=["", "", ""])
    before = recs.copy()
    res = town.geocode(recs)
    assert isinstance(res, GeocodingResult)
    pd.testing.assert_frame_equal(recs, before)  # input untouched
    assert list(res.table.index) == list(recs.index)  # one row per record, input order
    assert list(res.geocoded.index) == ["BO-0", "BO-1"]
    assert res.geocoded["segment_id"].tolist() == [seg_at(two_towns, X0 + 50, Y0),
                                                   seg_at(two_towns, X0 + 150, Y0)]
    assert res.rejects["incident_id"].tolist() == ["BO-2"]
    assert res.rejects["reason"].tolist() == ["street_not_found"]
    assert res.geocoded.crs == two_towns.crs
    for col in ("segment_id", "snap_distance_m", "position_m", "match_method", "match_score",
                "match_status", "match_review", "match_review_reason", "matched_street"):
        assert col in res.geocoded.columns
    assert res.geocoded["matched_street"].tolist() == ["RUA UM", "RUA UM"]
    # a series works too; every call reuses the prepared reference
    again = town.geocode(pd.Series(["Rua Um, 50"], index=["x"]))
    assert again.table.index.tolist() == ["x"] and again.table["segment_id"].iloc[0] == -1
    assert again.table["reason"].iloc[0] == "ambiguous_street"  # no CEP: two "Rua Um"


def test_geocode_pauses_the_garbage_collector_only_during_the_call(town):
    import gc

    assert gc.isenabled()
    town.geocode(records("Rua Um, 50", cep=["96010100"], bairro=[""]))
    assert gc.isenabled()  # resumed after a call
    with pytest.raises(ValidationError, match="address"):
        town.geocode(pd.DataFrame({"street": ["Rua Um, 50"]}))  # no address column
    assert gc.isenabled()  # and after a failed one
    gc.disable()
    try:  # a caller's disabled collector stays disabled
        town.geocode(records("Rua Um, 50", cep=["96010100"], bairro=[""]))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_odd_even_sides_follow_the_numbering_direction(town, two_towns):
    res = town.geocode(records("Rua Um, 51", "Rua Um, 52", cep=["96010100"] * 2))
    y = shapely.get_y(res.geocoded.geometry.values)
    # numbers increase eastwards: odd on the left (north), even on the right (south)
    np.testing.assert_allclose(y, [Y0 + 10, Y0 - 10])
    left = prepare(two_towns, settings=town_settings(even_side="left")).geocode(
        records("Rua Um, 52", cep=["96010100"]))
    assert shapely.get_y(left.geocoded.geometry.values)[0] == pytest.approx(Y0 + 10)


def test_cep_or_locality_or_bairro_chooses_between_same_named_streets(town, two_towns):
    a = seg_at(two_towns, X0 + 50, Y0)
    b = seg_at(two_towns, X0 + 50, Y0 + 3000)
    res = town.geocode(records("Rua Um, 50", "Rua Um, 50", "Rua Um, 50 - Vila B",
                               "Rua Um 50 VILA A", "Rua Um, 50, CEP 96010-200",
                               cep=["96010100", "96010200", "", "", ""],
                               bairro=["", "", "", "", ""]))
    assert res.table["segment_id"].tolist() == [a, b, b, a, b]
    # the bairro FRAGATA holds both: still ambiguous
    amb = town.geocode(records("Rua Um, 50", bairro=["Fragata"]))
    assert amb.table["reason"].tolist() == ["ambiguous_street"]


def test_cep_per_street_from_a_cep_table(two_towns):
    segs = two_towns.drop(columns="CEP")
    ceps = pd.DataFrame({"cep": ["96010-100", "96010-200"], "street": ["Rua Um", "Rua Um"],
                         "bairro": ["Vila A", "Vila B"]})
    g = prepare(segs, ceps=ceps, settings=town_settings(segment_cep_column=None))
    out = g.geocode(records("Rua Um, 50", "Rua Um, 50", cep=["96010100", "96010200"]))
    assert out.table["segment_id"].tolist() == [seg_at(two_towns, X0 + 50, Y0),
                                                seg_at(two_towns, X0 + 50, Y0 + 3000)]
    with pytest.raises(ValidationError, match="CEP table lacks"):
        prepare(segs, ceps=ceps.drop(columns="street"),
                settings=town_settings(segment_cep_column=None))


def test_locality_dash_inside_names_and_bairro_after_the_number(town, two_towns):
    res = town.geocode(records("Rua Palmares - Jd Por do Sol nº 89",
                               "RUA DA REPUBLICA 550 CIDADE BAIXA"))
    assert res.table["segment_id"].tolist() == [seg_at(two_towns, X0 + 50, Y0 + 1000),
                                                seg_at(two_towns, X0 + 1000, Y0 + 50)]


def test_the_written_type_chooses_and_a_specific_other_type_blocks_a_typo(town, two_towns):
    viela = seg_at(two_towns, X0 + 2000, Y0 + 50)
    avenida = seg_at(two_towns, X0 + 2200, Y0 + 50)
    res = town.geocode(records("Viela das Flores, 50", "Av. das Flores, 50",
                               "Rua das Flores, 50", "Viela das Flroes, 50",
                               "Travessa das Flroes, 50"))
    assert res.table["segment_id"].tolist()[:2] == [viela, avenida]
    assert res.table["reason"].tolist()[2] == "ambiguous_street"  # "Rua": which one?
    assert res.table["segment_id"].iloc[3] == viela
    # a typo *and* another type: 88.9 − 5 = 83.9, under the minimum
    assert res.table["reason"].iloc[4] == "low_score"
    assert "83.9 (minimum 85)" in res.table["detail"].iloc[4]
    assert "type differs" in res.table["detail"].iloc[4]


def test_settings_are_validated_with_every_problem():
    with pytest.raises(ValidationError) as err:
        GeocodingSettings(min_score=120, method=("teleport",), even_side="up",
                          number_origin=(1.0,))
    text = str(err.value)
    for part in ("min_score", "method", "even_side", "number_origin"):
        assert part in text
    settings, problems = build_section(GeocodingSettings, {"min_score": 90,
                                                           "range_convention": "odd_even",
                                                           "type_codes": {"DIR": "DIRETRIZ"}},
                                       section="geocoding")
    assert problems == [] and settings.min_score == 90.0
    _, problems = build_section(GeocodingSettings, {"min_scor": 90}, section="geocoding")
    assert "did you mean 'min_score'" in problems[0]
    assert any(line.startswith("min_score = 85.0") for line in
               template_lines(GeocodingSettings, section="geocoding"))
    assert dataclasses.is_dataclass(GeocodingSettings)
    with pytest.raises(dataclasses.FrozenInstanceError):
        GeocodingSettings().min_score = 1  # type: ignore[misc]


def test_column_mapping_errors_say_what_to_map(two_towns):
    with pytest.raises(ValidationError, match="missing roles"):
        prepare(two_towns.drop(columns="NUM_PAR_FIM"), settings=town_settings())
    with pytest.raises(ValidationError, match="name_columns"):
        prepare(two_towns, settings=town_settings(name_columns={"name": "NOPE"}))


# --- scores and messages ----------------------------------------------------------------------


def test_reported_score_is_the_compared_one_and_rejects_print_it(grid):
    res = prepare(grid).geocode(records("Rua Goncalvez Chavez 250", "Av. Goncalvez Chavez 250",
                                        "Rua Andrade Nevs 50", "Rua Xyzzy 1"))
    t = res.table
    assert t["match_score"].iloc[0] == pytest.approx(89.5)  # 2 edits / (16 + 3)
    # the type mismatch is taken off before the minimum is compared: 89.5 − 5 = 84.5 < 85
    assert t["reason"].iloc[1] == "low_score"
    assert "84.5 (minimum 85)" in t["detail"].iloc[1]
    assert t["segment_id"].iloc[2] == segment_of(grid, "Rua Andrade Neves", 0)  # one edit
    assert t["reason"].iloc[3] in {"street_not_found", "low_score"}
    placed = res.geocoded
    assert (placed["match_score"] >= 85).all()


def test_corner_second_street_reject_prints_its_score(grid):
    res = prepare(grid).geocode(records("Rua Gonçalves Chaves esq. Rua Marechal Florianx",
                                        "Rua Gonçalves Chaves esq. Rua Nenhuma"))
    assert res.table["segment_id"].iloc[0] >= 0  # one edit in a long name: still found
    assert res.table["reason"].iloc[1] == "street_not_found"
    assert res.table["detail"].iloc[1].startswith("second street of the corner")


def test_number_with_a_corner_policy(grid):
    addr = "Rua Gonçalves Chaves 250 esq. Rua Marechal Floriano"
    number_seg = segment_of(grid, "Rua Gonçalves Chaves", 2)
    out = prepare(grid).geocode(records(addr)).table
    assert out["match_method"].tolist() == ["address_range"]
    assert out["segment_id"].tolist() == [number_seg]
    corner = prepare(grid, settings=GeocodingSettings(intersection_policy="corner"))
    out = corner.geocode(records(addr)).table
    assert out["match_method"].tolist() == ["intersection"]
    # the number is not on the street: the corner, with a review
    far = prepare(grid).geocode(records(
        "Rua Gonçalves Chaves 9999 esq. Rua Marechal Floriano")).table
    assert out["match_method"].tolist() == far["match_method"].tolist() == ["intersection"]
    assert far["match_review_reason"].tolist() == ["corner_instead_of_number"]
    only = prepare(grid, settings=GeocodingSettings(intersection_policy="number"))
    assert only.geocode(records("Rua Gonçalves Chaves 9999 esq. Rua Marechal Floriano")
                        ).table["reason"].tolist() == ["number_out_of_range"]


def test_ties_far_apart_are_flagged_for_review(grid):
    seg = grid.copy()
    a = segment_of(seg, "Rua Andrade Neves", 0)
    d = segment_of(seg, "Rua Andrade Neves", 3)
    seg.loc[d, ["from_right", "to_right"]] = [0, 98]  # block 3 (300 m away) claims 0..98
    out = prepare(seg).geocode(records("Rua Andrade Neves 50")).table
    assert out["match_status"].tolist() == ["matched_tie"]
    assert out["match_review_reason"].tolist() == ["tie_far_apart"]
    assert out["segment_id"].iloc[0] in {a, d}


def test_qa_counts_reviews_ranges_and_the_ratcliffe_warning(grid):
    seg = grid.copy()
    b = segment_of(seg, "Rua Andrade Neves", 1)
    seg.loc[b, ["from_left", "to_left"]] = [101, 0]  # a 0 end
    res = prepare(seg).geocode(records("Rua Andrade Neves 151", "Rua Nada 1", "Rua Nada 2"))
    qa = res.qa
    assert qa["reference"]["range_sides"]["zero_end"] == 1
    assert qa["reference"]["range_sides"]["invalid"] == 1
    assert qa["review"] == 1 and qa["review_by_reason"] == {"invalid_range": 1}
    assert "Ratcliffe" in qa["warning"]
    assert len(qa["warnings"]) == 3
    assert qa["by_name_match"] == {"exact": 1}
    assert qa["top_unmatched_streets"] == {"RUA NADA": 2}


def test_earlier_entry_points_still_work(grid):
    g = AddressGeocoder(min_score=85, method="auto", range_columns=(
        "from_left", "to_left", "from_right", "to_right"))
    rows = records("Rua Gonçalves Chaves 250").reset_index().assign(source_row=[0])
    placed, rejects = g(rows, grid)
    assert len(placed) == 1 and len(rejects) == 0 and g.last_qa["matched"] == 1
    assert g.prepare(grid) is g.prepare(grid)  # prepared once per segments frame
    prepared = prepare(grid)
    out = geocode_addresses(["Rua Gonçalves Chaves 250", "Rua Nada 1"], grid, prepared=prepared)
    assert out["segment_id"].iloc[0] == segment_of(grid, "Rua Gonçalves Chaves", 2)
    assert out["segment_id"].iloc[1] == -1 and out["reason"].iloc[1] == "street_not_found"
    with pytest.raises(ValidationError, match="unknown options"):
        AddressGeocoder(teleport=True)
    with pytest.raises(ValidationError, match="not both"):
        AddressGeocoder(settings=GeocodingSettings(), min_score=90)


def test_a_written_bairro_the_street_is_not_in_asks_for_a_review(town, two_towns):
    out = town.geocode(records("Rua da República 550", "Rua da República 550",
                               bairro=["Centro", "Cidade Baixa"])).table
    assert out["segment_id"].nunique() == 1 and (out["segment_id"] >= 0).all()
    assert out["match_review_reason"].tolist() == ["bairro_differs", ""]


def test_reject_details_and_warnings_in_portuguese(grid):
    pt = prepare(grid, language="pt")
    res = pt.geocode(records("Av. Goncalvez Chavez 250", "Rua Nada 1", "Rua Gonçalves Chaves 9999"))
    assert res.table["detail"].tolist() == [
        "melhor correspondência com nota 84.5 (mínimo 85) para 'AVENIDA GONCALVEZ CHAVEZ' "
        "(tipo de logradouro diferente)",
        "nenhuma rua parecida com 'RUA NADA'",
        "número 9999 não encontrado em 'RUA GONCALVES CHAVES'"]
    assert res.rejects["detail"].tolist()[1] == "nenhuma rua parecida com 'RUA NADA'"
    assert "Ratcliffe" in res.qa["warning"] and "abaixo de" in res.qa["warning"]
    en = prepare(grid).geocode(records("Rua Nada 1"))
    assert en.rejects["detail"].tolist() == ["no street like 'RUA NADA'"]


def test_reference_and_records_are_checked(grid):
    from hotspots._errors import CRSError

    with pytest.raises(CRSError, match="metres"):
        prepare(grid.to_crs("EPSG:4326"))
    with pytest.raises(ValidationError, match="GeoDataFrame"):
        prepare(pd.DataFrame(grid.drop(columns="geometry")))
    with pytest.raises(ValidationError, match="no 'address' column"):
        prepare(grid).geocode(pd.DataFrame({"endereco": ["Rua Um 1"]}))
    empty = prepare(grid).geocode(records())
    assert len(empty.geocoded) == len(empty.rejects) == len(empty.table) == 0
    assert empty.qa["addresses"] == 0 and empty.qa["warning"] is None
