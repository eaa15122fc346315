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

from hotspots.address.messages import detail as D
from hotspots.address.reference import StreetIndex

__all__ = ["TYPE_MISMATCH_PENALTY", "StreetCandidates", "distinct_pair_groups",
           "street_candidates"]

#: points taken off when the written street type differs from the matched one ("Av." for a "Rua")
TYPE_MISMATCH_PENALTY = 5.0
#: kinds of name match that are not exact (see hotspots.address.match)
LOOSE = ("fuzzy", "alt_fuzzy", "short")


@dataclass(frozen=True)
class StreetCandidates:
    """Candidate streets per query and, for queries with none, why."""

    pairs: pd.DataFrame  #: query, street, score, kind, cep_match, bairro_match, bairro_differs
    reason: np.ndarray  #: per query: "" or a reject reason code
    detail: np.ndarray  #: per query: the reject's Detail (hotspots.address.messages) or ""
    best_score: np.ndarray  #: per query: best name score (also when rejected)


def _any_by(group: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """For each row: does any row of its group have ``mask``?"""
    return (np.bincount(group[mask], minlength=n) > 0)[group]


def _nunique_by(group: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """For each row: how many distinct ``values`` its group holds."""
    if not len(group):
        return np.zeros(0, dtype=np.int64)
    return np.bincount(distinct_pair_groups(group, values), minlength=n)[group]


def distinct_pair_groups(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The group of each distinct (group, value) pair of integers (one 1-D unique)."""
    group = np.asarray(group, dtype=np.int64)
    values = np.asarray(values, dtype=np.int64)
    v = values - values.min()
    span = int(v.max()) + 1
    return np.unique(group * span + v) // span


def _in_sorted(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """``np.isin`` for a sorted unique array."""
    if not len(sorted_set):
        return np.zeros(len(values), dtype=bool)
    i = np.searchsorted(sorted_set, values)
    i = np.minimum(i, len(sorted_set) - 1)
    return sorted_set[i] == values


class _Pairs:
    """Candidate (query, street) rows as parallel arrays."""

    def __init__(self, **cols):
        self.cols = cols

    def __getattr__(self, name):
        try:
            return self.__dict__["cols"][name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    def keep(self, mask) -> _Pairs:
        return _Pairs(**{k: v[mask] for k, v in self.cols.items()})

    def __len__(self) -> int:
        return len(self.cols["query"])


def street_candidates(index: StreetIndex, queries, *, min_score: float) -> StreetCandidates:
    """Candidate streets of each query.

    ``queries`` (a mapping of equal-length arrays, or a DataFrame) has ``key``, ``short_key``,
    ``alt_key``, ``street_type``, ``text`` (standardised, for messages), ``bairro_code``
    (:meth:`StreetIndex.bairro_codes`, −1 none), ``cep`` (8 digits or "") and optionally
    ``type_abbreviated``.
    """
    qs = {k: np.asarray(queries[k]) for k in queries}
    n = len(qs["key"])
    m = index.matcher.match(qs["key"], qs["short_key"], qs["alt_key"])
    reason = np.full(n, "", dtype=object)
    detail = np.full(n, "", dtype=object)
    best = m.best_score.copy()
    text = qs["text"].astype(object)
    nothing = np.ones(n, dtype=bool)
    nothing[m.pairs["query"].to_numpy()] = False
    empty = qs["key"] == ""
    for i in np.flatnonzero(nothing & ~empty):
        if m.best_score[i] <= 0:
            reason[i], detail[i] = "street_not_found", D("no_street", text=text[i])
        elif m.near_miss[i] == "words":
            reason[i] = "street_not_found"
            detail[i] = D("whole_word", text=text[i], best=m.best_text[i],
                          score=float(m.best_score[i]))
        else:
            reason[i] = "low_score"
            detail[i] = D("low_score", score=float(m.best_score[i]), minimum=min_score,
                          text=text[i], best=m.best_text[i])
    pm = m.pairs
    pos, street = index.streets_of_keys(pm["key"].to_numpy())
    p = _Pairs(query=pm["query"].to_numpy()[pos], street=street,
               key=pm["key"].to_numpy()[pos], score=pm["score"].to_numpy()[pos],
               kind=pm["kind"].to_numpy(dtype=object)[pos])
    q = p.query
    written = qs["street_type"].astype(object)[q]
    kind = p.kind
    stype = index.street_type[p.street]
    # "Vila do Sargento": the street VILA + SARGENTO, or the street "Rua Vila do Sargento"?
    # The key wins when a street of that key has the written type, else the longer name.
    # A type written as a one-letter code ("R Vila Nova") leaves both readings open: ambiguous.
    key_typed = _any_by(q, (kind == "exact") & (written == stype), n)
    has_alt = _any_by(q, np.isin(kind, ["alt", "alt_fuzzy"]), n)
    has_key = _any_by(q, kind == "exact", n)
    abbr = (qs["type_abbreviated"].astype(bool)[q] if "type_abbreviated" in qs
            else np.zeros(len(q), bool))
    both = _any_by(q, kind == "alt", n) & has_key & abbr
    for i in np.unique(q[both]):
        keys = index.matcher.keys[np.unique(p.key[q == i])]
        reason[i] = "ambiguous_street"
        detail[i] = D("first_letter", text=text[i], options=tuple(keys))
    exact_alt = _any_by(q, kind == "alt", n)
    alt_like = np.isin(kind, ["alt", "alt_fuzzy"])
    # an exact alternative beats a fuzzy one; the key beats both when its street has the type
    drop = both | (has_alt & np.where(alt_like, key_typed | ((kind == "alt_fuzzy") & exact_alt),
                                      kind == "exact"))
    p, written, stype = p.keep(~drop), written[~drop], stype[~drop]
    q, kind = p.query, p.kind
    qtype = np.where(np.isin(kind, ["alt", "alt_fuzzy"]), "", written)
    same = qtype == stype
    keep = same | ~_any_by(q, same, n)
    penalty = (qtype[keep] != "") & ~same[keep]
    p = p.keep(keep)
    p.cols["score"] = np.round(p.score - TYPE_MISMATCH_PENALTY * penalty, 1)
    # under the minimum once the type is counted
    low = p.score < min_score
    if low.any():
        lowq = pd.Series(p.score[low]).groupby(p.query[low]).max()
        p = p.keep(~low)
        for i in lowq.index[~np.isin(lowq.index, p.query)]:
            best[i] = lowq[i]
            reason[i] = "low_score"
            detail[i] = D("low_score_type", score=float(lowq[i]), minimum=min_score,
                          text=text[i])
    p = _filter_places(index, qs, p, n)
    # the unique-candidate rule: a fuzzy or title-less match must end on one street (pieces
    # of one name in the same bairros count as one)
    loose = np.isin(p.kind, LOOSE)
    nplaces = _nunique_by(p.query, index.street_place[p.street], n)
    amb = np.unique(p.query[loose & (nplaces > 1)])
    for i in amb:
        keys = index.matcher.keys[np.unique(p.key[p.query == i])]
        reason[i] = "ambiguous_street"
        detail[i] = (D("as_close", text=text[i], options=tuple(keys[:3])) if len(keys) > 1
                     else D("several_streets", text=text[i], best=keys[0]))
    p = p.keep(~np.isin(p.query, amb))
    # a specific type written (Viela, Travessa…) that the fuzzy street does not have is a
    # second coincidence, like another bairro ("Rua" is what people write for any type)
    written = np.where(p.kind == "alt_fuzzy", "", qs["street_type"].astype(object)[p.query])
    other_type = (written != "") & (written != "RUA") & (written != index.street_type[p.street])
    drop = np.isin(p.kind, LOOSE) & (p.bairro_differs | other_type)
    if drop.any():
        dq = np.unique(p.query[drop])
        p = p.keep(~drop)
        for i in dq[~np.isin(dq, p.query)]:
            reason[i] = "street_not_found"
            detail[i] = D("other_type_or_bairro", text=text[i], best=m.best_text[i])
    still = np.zeros(n, dtype=bool)
    still[p.query] = True
    missing = ~still & (reason == "") & ~empty
    reason[missing] = "street_not_found"
    for i in np.flatnonzero(missing):
        detail[i] = D("no_street", text=text[i])
    return StreetCandidates(pairs=pd.DataFrame(p.cols), reason=reason, detail=detail,
                            best_score=best)


def _filter_places(index: StreetIndex, qs: dict, p: _Pairs, n: int) -> _Pairs:
    """Keep the streets of the written CEP, then of the written bairro, when there are any."""
    st = p.street.astype(np.int64)
    qcep = qs["cep"].astype(object)  # once per query, then per candidate pair
    q_has = np.array([len(c) == 8 and c.isdigit() for c in qcep], dtype=bool)
    q_num = np.zeros(len(qcep), dtype=np.int64)
    if q_has.any():
        q_num[q_has] = np.array([int(c) for c in qcep[q_has]], dtype=np.int64)
    has_cep, cep_num = q_has[p.query], q_num[p.query]
    cep_ok = has_cep & _in_sorted(st * 100_000_000 + cep_num, index.street_cep_set)
    generic = cep_num % 1000 == 0
    cep5_ok = has_cep & ~generic & _in_sorted(st * 100_000 + cep_num // 1000,
                                              index.street_cep5_set)
    p = _Pairs(**p.cols, cep_match=cep_ok, _cep5=cep5_ok)
    for col in ("cep_match", "_cep5"):
        ok = p.cols[col]
        p = p.keep(ok | ~_any_by(p.query, ok, n))
    del p.cols["_cep5"]
    st = p.street.astype(np.int64)
    bcode = qs["bairro_code"].astype(np.int64)[p.query]
    b_ok = (bcode >= 0) & _in_sorted(st * 1_000_003 + bcode, index.street_bairro_set)
    sel = b_ok | ~_any_by(p.query, b_ok, n)
    p, st, b_ok, bcode = p.keep(sel), st[sel], b_ok[sel], bcode[sel]
    differs = (bcode >= 0) & ~b_ok & _in_sorted(st, index.streets_with_bairro)
    return _Pairs(**p.cols, bairro_match=b_ok, bairro_differs=differs)
