"""Candidate streets of each written street: name match, then type, CEP and bairro filters.

For each distinct (street key, type, bairro, CEP) of a batch: the reference keys the name
matches (:class:`hotspots.address.match.NameIndex`), the streets carrying them, then

1. the written type: streets of that type when there are any, others cost
   :data:`TYPE_MISMATCH_PENALTY` (kept when no street has the written type);
2. the CEP: streets carrying it when there are any (per segment, per street from a CEP table, or
   seen on address points), else the streets of its 5-digit sector (not for generic CEPs ending
   in 000);
3. the bairro: streets in it when there are any (segment bairro, name locality, points).

A fuzzy or title-less match must end on a single street (the unique-candidate rule; pieces of
one name in the same bairros count as one) and is dropped when its street lies in another bairro
than the one written or has another type than a specific one written ("Viela", "Travessa"; not
"Rua", which people write for any type): a typo *and* a second disagreement is no evidence. The
score compared with ``min_score`` is the one reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hotspots.address.reference import StreetIndex

__all__ = ["TYPE_MISMATCH_PENALTY", "StreetCandidates", "street_candidates"]

#: points taken off when the written street type differs from the matched one ("Av." for a "Rua")
TYPE_MISMATCH_PENALTY = 5.0
#: kinds of name match that are not exact (see hotspots.address.match)
LOOSE = ("fuzzy", "alt_fuzzy", "short")


@dataclass(frozen=True)
class StreetCandidates:
    """Candidate streets per query and, for queries with none, why."""

    pairs: pd.DataFrame  #: query, street, score, kind, cep_match, bairro_match, bairro_differs
    reason: np.ndarray  #: per query: "" or a reject reason code
    detail: np.ndarray  #: per query: text for the reject
    best_score: np.ndarray  #: per query: best name score (also when rejected)


def _quote(text: str) -> str:
    return f"'{text}'"


def street_candidates(index: StreetIndex, queries: pd.DataFrame, *, min_score: float
                      ) -> StreetCandidates:
    """Candidate streets of each row of ``queries``.

    ``queries`` has columns ``key``, ``short_key``, ``alt_key``, ``street_type``, ``text``
    (standardised, for messages), ``bairro_code`` (:meth:`StreetIndex.bairro_codes`, −1 none),
    ``cep`` (8 digits or "") and optionally ``type_abbreviated``.
    """
    n = len(queries)
    m = index.matcher.match(queries["key"].to_numpy(), queries["short_key"].to_numpy(),
                            queries["alt_key"].to_numpy())
    reason = np.full(n, "", dtype=object)
    detail = np.full(n, "", dtype=object)
    best = m.best_score.copy()
    text = queries["text"].to_numpy(dtype=object)
    named = pd.Series(m.pairs["query"].unique())
    nothing = np.ones(n, dtype=bool)
    nothing[named.to_numpy()] = False
    empty = queries["key"].to_numpy(dtype=object) == ""
    for i in np.flatnonzero(nothing & ~empty):
        if m.best_score[i] <= 0:
            reason[i], detail[i] = "street_not_found", f"no street like {_quote(text[i])}"
        elif m.near_miss[i] == "words":
            reason[i] = "street_not_found"
            detail[i] = (f"{_quote(text[i])} is close to {_quote(m.best_text[i])} (score "
                         f"{m.best_score[i]:.1f}) but a whole word differs")
        else:
            reason[i] = "low_score"
            detail[i] = (f"best match scored {m.best_score[i]:.1f} (minimum {min_score:g}) for "
                         f"{_quote(text[i])}: {_quote(m.best_text[i])}")
    pm = m.pairs
    pos, street = index.streets_of_keys(pm["key"].to_numpy())
    p = pd.DataFrame({"query": pm["query"].to_numpy()[pos], "street": street,
                      "key": pm["key"].to_numpy()[pos], "score": pm["score"].to_numpy()[pos],
                      "kind": pm["kind"].to_numpy(dtype=object)[pos]})
    q = p["query"].to_numpy()
    written = queries["street_type"].to_numpy(dtype=object)[q]
    kind = p["kind"].to_numpy(dtype=object)
    stype = index.street_type[p["street"].to_numpy()]
    # "Vila do Sargento": the street VILA + SARGENTO, or the street "Rua Vila do Sargento"?
    # The key wins when a street of that key has the written type, else the longer name.
    # A type written as a one-letter code ("R Vila Nova") leaves both readings open: ambiguous.
    key_typed = pd.Series((kind == "exact") & (written == stype)).groupby(q).transform("any")
    has_alt = pd.Series(kind == "alt").groupby(q).transform("any").to_numpy()
    has_key = pd.Series(kind == "exact").groupby(q).transform("any").to_numpy()
    abbr = queries["type_abbreviated"].to_numpy(dtype=bool)[q] if (
        "type_abbreviated" in queries.columns) else np.zeros(len(q), bool)
    both = has_alt & has_key & abbr
    for i in np.unique(q[both]):
        keys = index.matcher.keys[np.unique(p["key"].to_numpy()[q == i])]
        reason[i] = "ambiguous_street"
        detail[i] = (f"{_quote(text[i])} may be " + " or ".join(map(_quote, keys))
                     + " (is the first letter the type?)")
    drop = both | (has_alt & np.where(kind == "alt", key_typed.to_numpy(), kind == "exact"))
    p, q, written, kind, stype = p[~drop], q[~drop], written[~drop], kind[~drop], stype[~drop]
    qtype = np.where(np.isin(kind, ["alt", "alt_fuzzy"]), "", written)
    same = qtype == stype
    any_same = pd.Series(same).groupby(q).transform("any").to_numpy()
    keep = same | ~any_same
    p = p[keep].copy()
    penalty = (qtype[keep] != "") & ~same[keep]
    p["score"] = np.round(p["score"].to_numpy() - TYPE_MISMATCH_PENALTY * penalty, 1)
    # under the minimum once the type is counted
    low = p["score"].to_numpy() < min_score
    if low.any():
        lowq = p.loc[low].groupby("query")["score"].max()
        p = p[~low]
        gone = lowq.index[~lowq.index.isin(p["query"])]
        for i in gone:
            best[i] = lowq[i]
            reason[i] = "low_score"
            detail[i] = (f"best match scored {lowq[i]:.1f} (minimum {min_score:g}) for "
                         f"{_quote(text[i])} (street type differs)")
    p = _filter_places(index, queries, p)
    # the unique-candidate rule: a fuzzy or title-less match must end on one street (pieces
    # of one name in the same bairros count as one)
    nkeys = p.groupby("query")["key"].transform("nunique").to_numpy()
    places = p.assign(place=index.street_place[p["street"].to_numpy()])
    nplaces = places.groupby("query")["place"].transform("nunique").to_numpy()
    loose = p["kind"].isin(LOOSE).to_numpy()
    amb = p.loc[loose & (nplaces > 1), "query"].unique()
    for i in amb:
        sub = p[p["query"] == i]
        keys = index.matcher.keys[np.unique(sub["key"])]
        reason[i] = "ambiguous_street"
        detail[i] = ((f"{_quote(text[i])} is as close to " + " and ".join(map(_quote, keys[:3])))
                     if len(keys) > 1 else
                     f"{_quote(text[i])} is like {_quote(keys[0])}, a name of several "
                     "streets") + "; give the bairro or the CEP"
    del nkeys
    p = p[~p["query"].isin(amb)]
    # a specific type written (Viela, Travessa…) that the fuzzy street does not have is a
    # second coincidence, like another bairro ("Rua" is what people write for any type)
    written = queries["street_type"].to_numpy(dtype=object)[p["query"].to_numpy()]
    written = np.where(p["kind"].to_numpy() == "alt_fuzzy", "", written)
    other_type = ((written != "") & (written != "RUA")
                  & (written != index.street_type[p["street"].to_numpy()]))
    drop = p["kind"].isin(LOOSE).to_numpy() & (
        p["bairro_differs"].to_numpy() | other_type)
    if drop.any():
        dq = p.loc[drop, "query"].unique()
        p = p[~drop]
        for i in dq[~np.isin(dq, p["query"].to_numpy())]:
            reason[i] = "street_not_found"
            detail[i] = (f"{_quote(text[i])} is like {_quote(m.best_text[i])} but that street "
                         "is of another type or not in the bairro written")
    still = np.zeros(n, dtype=bool)
    still[p["query"].to_numpy()] = True
    missing = ~still & (reason == "") & ~empty
    reason[missing] = "street_not_found"
    detail[missing] = [f"no street like {_quote(t)}" for t in text[missing]]
    return StreetCandidates(pairs=p.reset_index(drop=True), reason=reason, detail=detail,
                            best_score=best)


def _filter_places(index: StreetIndex, queries: pd.DataFrame, p: pd.DataFrame) -> pd.DataFrame:
    """Keep the streets of the written CEP, then of the written bairro, when there are any."""
    q = p["query"].to_numpy()
    st = p["street"].to_numpy(dtype=np.int64)
    cep = queries["cep"].to_numpy(dtype=object)[q]
    has_cep = np.array([len(c) == 8 for c in cep], dtype=bool)
    cep_num = np.where(has_cep, pd.to_numeric(pd.Series(cep), errors="coerce").fillna(0)
                       .astype(np.int64).to_numpy(), 0)
    cep_ok = has_cep & np.isin(st * 100_000_000 + cep_num, index.street_cep_set)
    generic = cep_num % 1000 == 0
    cep5_ok = has_cep & ~generic & np.isin(st * 100_000 + cep_num // 1000,
                                           index.street_cep5_set)
    p = p.assign(cep_match=cep_ok, _cep5=cep5_ok)
    for col in ("cep_match", "_cep5"):
        ok = p[col].to_numpy()
        any_ok = pd.Series(ok).groupby(p["query"].to_numpy()).transform("any").to_numpy()
        p = p[ok | ~any_ok]
    p = p.drop(columns="_cep5")
    q = p["query"].to_numpy()
    st = p["street"].to_numpy(dtype=np.int64)
    bcode = queries["bairro_code"].to_numpy(dtype=np.int64)[q]
    b_ok = (bcode >= 0) & np.isin(st * 1_000_003 + bcode, index.street_bairro_set)
    any_b = pd.Series(b_ok).groupby(q).transform("any").to_numpy()
    sel = b_ok | ~any_b
    p, q, st, b_ok, bcode = p[sel], q[sel], st[sel], b_ok[sel], bcode[sel]
    differs = (bcode >= 0) & ~b_ok & np.isin(st, index.streets_with_bairro)
    return p.assign(bairro_match=b_ok, bairro_differs=differs)
