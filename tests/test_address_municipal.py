"""Address geocoding measured on a synthetic municipal layer (issue 18 targets).

The layer (tests/municipal.py) is built like a Brazilian municipal centreline layer: odd/even
ranges read at each line's first vertex, type codes, separate type/preposition/name columns,
vilas with Rua Um…/Rua A… repeated, same names in other bairros and CEPs, T-junction lines,
0-ended, reversed and mixed-parity ranges. Addresses are police-style (typos, abbreviations,
lower case, CEPs, bairros after the number, localities, corners, numbers with corners); the
negative control is streets of São Paulo state that do not exist in the city.
"""

import numpy as np
import pandas as pd
import pytest

from hotspots.address import prepare
from tests import municipal as mu

pytestmark = pytest.mark.slow
COLS = ["address", "bairro", "cep"]


@pytest.fixture(scope="module")
def city():
    return mu.make_city(named_grids=30, vila_grids=10)


@pytest.fixture(scope="module")
def segments(city):
    return city.segments()


@pytest.fixture(scope="module")
def geocoder(city, segments):
    return prepare(segments, settings=city.settings())


@pytest.fixture(scope="module")
def addresses(city, segments):
    return mu.make_addresses(city, segments, 4000, seed=7)


@pytest.fixture(scope="module")
def outcome(geocoder, addresses):
    result = geocoder.geocode(addresses[COLS])
    return result, mu.score(result.table, addresses["truth"])


def test_targets_right_wrong_typo_and_negative_control(city, geocoder, addresses, outcome):
    result, score = outcome
    ok = addresses["resolvable"].to_numpy()
    typo = ok & addresses["typo"].to_numpy()
    right = float((score[ok] == "right").mean())
    right_typo = float((score[typo] == "right").mean())
    wrong = float((score == "wrong").mean())
    negatives = mu.negative_control(city, 3000, seed=11)
    placed = float((geocoder.geocode(negatives[COLS]).table["segment_id"] >= 0).mean())
    print(f"\nmunicipal layer: {right:.2%} right of {ok.sum()}, one typo {right_typo:.2%} of "
          f"{typo.sum()}, wrong {wrong:.3%} of {len(score)}, negative control placed "
          f"{placed:.2%} of {len(negatives)}; review {result.qa['review']}")
    assert ok.sum() > 3500 and typo.sum() > 700 and len(negatives) == 3000
    assert right >= 0.98
    assert right_typo >= 0.95
    assert wrong <= 0.001
    assert placed <= 0.005


def test_every_kind_of_address_is_mostly_right(addresses, outcome):
    _, score = outcome
    ok = addresses["resolvable"]
    by_kind = (score[ok] == "right").groupby(addresses.loc[ok, "kind"]).mean()
    assert set(by_kind.index) == {"number", "corner", "number_corner"}
    assert (by_kind >= 0.95).all(), by_kind


def test_unresolvable_repeated_names_are_rejected_not_guessed(addresses, outcome):
    result, score = outcome
    unresolvable = ~addresses["resolvable"]
    assert unresolvable.sum() > 20
    assert (score[unresolvable] != "wrong").all()
    reasons = result.table.loc[unresolvable & (score == "rejected"), "reason"]
    assert set(reasons) <= {"ambiguous_street"}


def test_invalid_ranges_are_counted_exactly_and_used_only_with_a_review(city, geocoder,
                                                                        addresses, outcome):
    injected = city.blocks["invalid"].value_counts()
    counts = geocoder.reference_qa["range_sides"]
    for flag in ("zero_end", "reversed", "mixed_parity"):
        assert counts[flag] == injected[flag], flag
    assert counts["wrong_parity"] == counts["overlaps"] == 0
    assert counts["invalid"] == int(injected.drop("", errors="ignore").sum())
    result, score = outcome
    on_bad = addresses["invalid_range"] & (addresses["kind"] == "number") & addresses[
        "resolvable"]
    assert on_bad.sum() > 50
    assert (score[on_bad] == "right").mean() >= 0.98
    placed = on_bad & (score == "right")
    assert result.table.loc[placed, "match_review"].all()
    assert result.table.loc[placed, "match_review_reason"].str.contains("invalid_range").all()
    sound = ~addresses["invalid_range"] & (addresses["kind"] == "number") & ~addresses["typo"]
    assert not result.table.loc[sound & (score == "right"), "match_review"].any()
    assert any("invalid" in w for w in result.qa["warnings"])


def test_t_junction_lines_get_divided_ranges(city, segments, addresses, outcome):
    merged = city.lines[city.lines.geometry.map(lambda g: len(g.coords)) > 2]
    assert len(merged) > 10
    # no two pieces of one line share a range (the earlier build_segments copied it whole)
    by_piece = city.segments(unit="piece")
    pieces = by_piece[by_piece["source_index"].isin(merged.index)]
    assert len(pieces) == 2 * len(merged)
    assert not pieces.duplicated([*mu.RANGE_COLUMNS, "source_index"]).any()
    for _, g in pieces.groupby("source_index"):
        lo = np.fmin(g["NUM_IMPAR_INI"], g["NUM_IMPAR_FIM"]).sort_values().to_numpy()
        hi = np.fmax(g["NUM_IMPAR_INI"], g["NUM_IMPAR_FIM"]).sort_values().to_numpy()
        assert hi[0] < lo[1]  # the two pieces' odd numbers do not overlap
    _, score = outcome
    on_pieces = addresses["truth"].map(lambda t: bool(set(t) & set(pieces.index)
                                                      & set(segments.index)))
    assert on_pieces.sum() > 30
    assert (score[on_pieces & addresses["resolvable"]] == "right").mean() >= 0.98


def test_address_points_first_and_the_precision_estimate(city, segments, addresses):
    points = mu.make_address_points(city, share=0.3)
    g = prepare(segments, address_points=points, settings=city.settings())
    precision = g.reference_qa["precision"]
    assert precision["in_a_range"] > 0.95 * precision["address_points_compared"]
    # metric numbering, ranges divided by length: the ranges put a point's number on its own
    # block and within a few metres of its foot on the centreline
    assert precision["same_segment_rate"] >= 0.99
    assert precision["median_error_m"] < 3.0
    result = g.geocode(addresses[COLS])
    score = mu.score(result.table, addresses["truth"])
    assert set(result.table["match_method"]) >= {"address_point", "address_range"}
    ok = addresses["resolvable"]
    assert (score[ok] == "right").mean() >= 0.98
    assert (score == "wrong").mean() <= 0.001
    assert result.qa["reference"]["precision"] == precision


def test_same_named_streets_told_apart_by_cep_alone(city, geocoder, segments):
    # "Rua Um" of every numbered vila, addressed with the CEP only (no bairro, no locality)
    vilas = city.streets[city.streets["vila"] & (city.streets["written"] == "Rua Um")]
    assert len(vilas) >= 3
    rows = []
    for s in vilas.itertuples():
        b = city.blocks[(city.blocks["street"] == s.street) & (city.blocks["k"] == 1)].iloc[0]
        n = int(b["odd_lo"]) + 4
        rows.append({"address": f"Rua Um, {n}", "bairro": "", "cep": b["cep"],
                     "truth": mu._truth_segments(segments, np.array([
                         s.geometry.interpolate(float(n))], dtype=object),
                         np.array([s.nome], dtype=object))[0]})
    frame = pd.DataFrame(rows)
    out = geocoder.geocode(frame[COLS]).table
    assert (out["segment_id"].to_numpy() == frame["truth"].to_numpy()).all()
    # without the CEP the number is in range on several of them: ambiguous, not a guess
    out = geocoder.geocode(frame.assign(cep="")[COLS]).table
    assert set(out["reason"]) == {"ambiguous_street"}


def test_results_do_not_depend_on_row_order_or_batching(geocoder, addresses, outcome):
    result, _ = outcome
    sample = addresses[COLS].sample(frac=0.25, random_state=3)
    shuffled = geocoder.geocode(sample).table
    pd.testing.assert_series_equal(shuffled["segment_id"],
                                   result.table.loc[sample.index, "segment_id"])
    one = pd.concat([geocoder.geocode(sample.iloc[[i]]).table for i in range(40)])
    pd.testing.assert_frame_equal(one[["segment_id", "match_score", "reason"]],
                                  result.table.loc[one.index, ["segment_id", "match_score",
                                                               "reason"]])
