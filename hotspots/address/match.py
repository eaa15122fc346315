"""Matching standardised street keys against a reference's keys: exact, title-less, fuzzy (OSA).

Fuzzy scores count edits with the optimal-string-alignment distance (rapidfuzz ``OSA``: a swap
of two neighbouring letters is one edit, as are a missing, extra or wrong letter) and scale them
by the length of the longer key::

    score = 100 × (1 − edits / (length + 3))

so that at the default minimum of 85 a name of 4–10 letters tolerates one edit, 11–16 letters
two, 17–23 three, and names of 1–3 letters none ("Rua D" is never "Rua E"). The budget holds
word by word too: a word changed beyond its own length's budget ("TOMAS CARNEIRO" ↔ "GOMES
CARNEIRO"), including any change to a word of one to three letters ("RUA D VILA X" ↔ "RUA E
VILA X", "VINTE E UM" ↔ "VINTE E DOIS"), is not a typo, and such pairs never match fuzzily. Only the keys at the smallest distance are kept;
when several remain the caller needs the bairro, the CEP or the number to choose (the
unique-candidate rule), else the address is ambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import OSA

from hotspots.address.edits import DeletionIndex

__all__ = ["SHORT_KEY_SCORE", "NameIndex", "NameMatches", "distinct_rows", "fuzzy_score",
           "max_edits"]

#: score when only the keys without leading titles agree: "Rua Osório" ~ "Rua General Osório"
SHORT_KEY_SCORE = 92.0
#: the length added to the key length in the fuzzy score's denominator
LENGTH_SLACK = 3


def fuzzy_score(edits, length) -> np.ndarray:
    """100 × (1 − edits / (length + 3)), rounded to 0.1 (the score compared with min_score)."""
    edits = np.asarray(edits, dtype=float)
    length = np.asarray(length, dtype=float)
    return np.round(100.0 * (1.0 - edits / (length + LENGTH_SLACK)), 1)


def _score1(edits: int, length: int) -> float:
    """:func:`fuzzy_score` of one pair, without NumPy (``np.round(x, 1)`` is
    ``rint(10 x) / 10``, and Python's ``round`` of a float rounds half to even like ``rint``)."""
    return round(100.0 * (1.0 - float(edits) / (float(length) + LENGTH_SLACK)) * 10.0) / 10.0


@lru_cache(maxsize=4096)
def max_edits(length: int, min_score: float) -> int:
    """Most edits a key of ``length`` characters may have and still score ``min_score``."""
    k = int(np.floor((1.0 - min_score / 100.0) * (length + LENGTH_SLACK) + 1e-9))
    while k > 0 and fuzzy_score(k, length) < min_score:
        k -= 1
    return max(k, 0)


@dataclass(frozen=True)
class NameMatches:
    """Candidate reference keys of each query, and the best score each query reached."""

    #: ``query``, ``key`` (index into NameIndex.keys), ``score``, ``kind`` (exact: the key;
    #: alt: the key with the first word kept, e.g. "VILA NOVA" for "Vila Nova" — both are given
    #: when both exist; short: title-less; fuzzy)
    pairs: pd.DataFrame
    best_score: np.ndarray  #: best score per query, also when under the minimum (0: nothing)
    best_text: np.ndarray  #: the reference key that scored ``best_score`` ("" if none)
    #: for queries without a candidate: "near" (under the minimum) or "words" (close enough
    #: letter by letter but a whole word differs); "" otherwise
    near_miss: np.ndarray


def _words_disagree(a: str, b: str, min_score: float) -> bool:
    """True when two keys within the edit budget still differ as words: a word pair further
    apart than the budget of its own length ("TOMAS CARNEIRO" ↔ "GOMES CARNEIRO"), a changed
    word of one to three letters ("D VILA X" ↔ "E VILA X", "VINTE E UM" ↔ "VINTE E DOIS"), or
    words added or removed (other than by a missing space)."""
    wa, wb = a.split(" "), b.split(" ")
    if len(wa) != len(wb):  # a space missing or added ("ASEMANAUKIO" ~ "ASEMA AUKIO")
        ja, jb = a.replace(" ", ""), b.replace(" ", "")
        short = {w for w in wa if len(w) <= 2} ^ {w for w in wb if len(w) <= 2}
        return bool(short) or OSA.distance(ja, jb) > max_edits(max(len(ja), len(jb)),
                                                               min_score)
    for x, y in zip(wa, wb):
        if x != y and OSA.distance(x, y) > max_edits(max(len(x), len(y)), min_score):
            return True
    return False


def distinct_rows(columns) -> tuple[np.ndarray, np.ndarray]:
    """Code of each row's distinct combination of values in equal-length ``columns``
    (numbered in order of first appearance) and the first row of each code: each column
    factorised, the codes combined and renumbered column by column (no string per row)."""
    combined = None
    for v in columns:
        arr = np.asarray(v)
        col = pd.factorize(arr if arr.dtype == object or arr.dtype.kind in "biu"
                           else arr.astype(str))[0].astype(np.int64)
        if combined is None:
            combined = col
            continue
        combined = pd.factorize(combined * (int(col.max(initial=-1)) + 2) + col + 1)[0]
    codes = pd.factorize(combined)[0] if combined is not None else np.zeros(0, np.int64)
    first = np.zeros(int(codes.max(initial=-1)) + 1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    return codes, first


class NameIndex:
    """The distinct keys of a street layer, ready for exact, title-less and fuzzy look-ups.

    Built once per reference (the deletion index for one-edit look-ups included); ``match``
    then costs only the queries, and remembers the distinct queries it has answered.
    """

    def __init__(self, keys, short_keys, *, min_score: float = 85.0, cache_size: int = 500_000):
        frame = pd.DataFrame({"key": np.asarray(keys, dtype=object),
                              "short": np.asarray(short_keys, dtype=object)})
        frame = frame[frame["key"] != ""].drop_duplicates("key").reset_index(drop=True)
        self.keys = frame["key"].to_numpy(dtype=object)
        self.short_keys = frame["short"].to_numpy(dtype=object)
        self.min_score = float(min_score)
        self._by_key = {k: i for i, k in enumerate(self.keys)}
        shorts: dict[str, list[int]] = {}
        for i, s in enumerate(self.short_keys):
            shorts.setdefault(s, []).append(i)
        self._by_short = shorts
        self._lengths = np.array([len(k) for k in self.keys], dtype=np.int64)
        self._by_length = np.argsort(self._lengths, kind="stable")
        self._sorted_lengths = self._lengths[self._by_length]
        # keys that may take one edit, in a hashed deletion index (numba look-ups)
        self._edits = DeletionIndex(self.keys, [max_edits(len(k), self.min_score) >= 1
                                                for k in self.keys])
        self._cache: dict[tuple[str, str, str], tuple] = {}
        self._cache_size = cache_size

    def __len__(self) -> int:
        return len(self.keys)

    def match(self, keys, short_keys, alt_keys=None) -> NameMatches:
        """Candidates for each query (key, short key, alternative key) at its best score."""
        keys = np.asarray(keys, dtype=object)
        n = len(keys)
        shorts = np.asarray(short_keys, dtype=object)
        alts = np.full(n, "", dtype=object) if alt_keys is None else np.asarray(alt_keys, object)
        codes, firsts = distinct_rows([keys, shorts, alts])
        uniq = list(zip(keys[firsts].tolist(), shorts[firsts].tolist(), alts[firsts].tolist()))
        results: list[Any] = [None] * len(uniq)
        todo = []
        # the one-edit neighbours of the alternative keys _direct needs, in one look-up
        by_key = self._by_key
        need = sorted({a for t in uniq if t not in self._cache
                       for k, _s, a in (t,) if a and k in by_key and a not in by_key})
        near_alt = dict(zip(need, self._one_edit_many(need))) if need else {}
        for i, t in enumerate(uniq):
            hit = self._cache.get(t)
            if hit is None:
                hit = self._direct(*t, near_alt=near_alt)
                if hit is None:
                    todo.append(i)
                    continue
                self._remember(t, hit)
            results[i] = hit
        if todo:
            for i, hit in zip(todo, self._fuzzy([uniq[i] for i in todo])):
                self._remember(uniq[i], hit)
                results[i] = hit
        best = np.asarray([r[1] for r in results], dtype=np.float64)
        text = np.asarray([r[2] for r in results], dtype=np.object_)
        why = np.asarray([r[3] if not r[0] else "" for r in results], dtype=np.object_)
        # every result's candidates in a row: (key, score, kind), results in order
        per = np.fromiter((len(r[0]) for r in results), dtype=np.int64, count=len(results))
        total = int(per.sum())
        rows_k = np.fromiter(chain.from_iterable(r[0] for r in results), dtype=np.int64,
                             count=total)
        rows_s = np.fromiter(chain.from_iterable(r[4] if len(r) > 4 else (r[1],) * len(r[0])
                                                 for r in results), dtype=float, count=total)
        rows_kind = np.empty(total, dtype=object)
        rows_kind[:] = list(chain.from_iterable(r[3] if isinstance(r[3], tuple)
                                                else (r[3],) * len(r[0]) for r in results))
        first = np.concatenate([[0], np.cumsum(per)[:-1]])
        count = per[codes]
        qrows = np.repeat(np.arange(n, dtype=np.int64), count)
        take = np.repeat(first[codes], count) + (np.arange(count.sum())
                                                 - np.repeat(np.cumsum(count) - count, count))
        pairs = pd.DataFrame({"query": qrows, "key": rows_k[take], "score": rows_s[take],
                              "kind": rows_kind[take]})
        return NameMatches(pairs=pairs, best_score=best[codes], best_text=text[codes],
                           near_miss=why[codes])

    def _remember(self, t, hit) -> None:
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[t] = hit

    def _direct(self, key: str, short: str, alt: str, near_alt: dict | None = None):
        """Exact, alternative and title-less hits: (candidates, score, text, kind) or None
        (``near_alt``: :meth:`_one_edit` of alternative keys, already looked up)."""
        if not key:
            return ((), 0.0, "", "")
        hit = self._by_key.get(key)
        alt_hit = self._by_key.get(alt) if alt else None
        if hit is not None and alt_hit is not None:  # the caller decides by the type
            return ((hit, alt_hit), 100.0, key, ("exact", "alt"))
        if hit is not None and alt:
            # "Corerdor Quatro": QUATRO exists, but so may "CORREDOR QUATRO" one edit away
            near = near_alt[alt] if near_alt and alt in near_alt else self._one_edit(alt)
            if near:
                best = max(sc for _, sc in near)
                alts = tuple(sorted(c for c, sc in near if sc == best and c != hit))
                if alts:
                    return ((hit, *alts), 100.0, key, ("exact", *["alt_fuzzy"] * len(alts)),
                            (100.0, *[best] * len(alts)))
        if hit is not None:
            return ((hit,), 100.0, key, "exact")
        if alt_hit is not None:
            return ((alt_hit,), 100.0, alt, "alt")
        cands = set(self._by_short.get(short, ())) | set(self._by_short.get(key, ()))
        if short in self._by_key:
            cands.add(self._by_key[short])
        if cands:
            c = tuple(sorted(cands))
            return (c, SHORT_KEY_SCORE, self.keys[c[0]], "short")
        return None

    def _one_edit(self, text: str) -> list[tuple[int, float]]:
        """Keys one edit from ``text`` (deletion index) that pass the word checks, scored."""
        return self._one_edit_many([text])[0]

    def _one_edit_many(self, texts: list[str]) -> list[list[tuple[int, float]]]:
        """:meth:`_one_edit` of many texts with one compiled look-up."""
        out: list[list[tuple[int, float]]] = [[] for _ in texts]
        q, k, d = self._edits.search(texts)
        for qi, c, e in zip(q.tolist(), k.tolist(), d.tolist()):
            text, ref = texts[qi], self.keys[c]
            if _words_disagree(text, ref, self.min_score):
                continue
            score = _score1(e, max(len(text), len(ref)))
            if score >= self.min_score:
                out[qi].append((c, score))
        return out

    def _fuzzy(self, queries: list[tuple[str, str, str]]) -> list[tuple]:
        """One-edit candidates from the deletion index; the rest by OSA over a length window."""
        out: list[Any] = [None] * len(queries)
        rest = []
        texts = [t for key, _short, alt in queries for t in (key, alt)]
        near = self._one_edit_many(texts)
        for i, (key, _short, alt) in enumerate(queries):
            best = None
            for j, text in enumerate((key, alt)):
                if not text:
                    continue
                for c, s in near[2 * i + j]:
                    kind = "fuzzy" if text is key else "alt_fuzzy"
                    if best is None or s > best[1]:
                        best = ([c], s, kind)
                    elif s == best[1] and c not in best[0]:
                        best[0].append(c)
            if best is not None:
                found = tuple(sorted(best[0]))
                out[i] = (found, best[1], self.keys[found[0]], best[2])
            else:
                rest.append(i)
        if rest:
            for i, hit in zip(rest, self._window([queries[i] for i in rest])):
                out[i] = hit
        return out

    def _window(self, queries: list[tuple[str, str, str]]) -> list[tuple]:
        """OSA against every key of similar length (keys too far apart cannot match)."""
        keys = [q[0] for q in queries]
        lengths = np.array([len(k) for k in keys])
        out: list[tuple] = [((), 0.0, "", "")] * len(queries)
        for length in np.unique(lengths):
            qi = np.flatnonzero(lengths == length)
            k = max_edits(int(length) + 3, self.min_score) + 2  # near misses, for messages
            lo = np.searchsorted(self._sorted_lengths, length - k, side="left")
            hi = np.searchsorted(self._sorted_lengths, length + k, side="right")
            ref_idx = self._by_length[lo:hi]
            if not len(ref_idx):
                continue
            refs = self.keys[ref_idx].tolist()
            dist = process.cdist([keys[i] for i in qi], refs, scorer=OSA.distance,
                                 score_cutoff=k, dtype=np.int32, workers=-1)
            ref_len = self._lengths[ref_idx]
            for row, i in enumerate(qi):
                d = dist[row]
                ok = d <= k
                if not ok.any():
                    continue
                cand = np.flatnonzero(ok)
                score = fuzzy_score(d[cand], np.maximum(ref_len[cand], length))
                valid = np.array([not _words_disagree(keys[i], refs[c], self.min_score)
                                  for c in cand])
                good = valid & (score >= self.min_score)
                if good.any():
                    top = score[good].max()
                    best = ref_idx[cand[good & (score == top)]]
                    c = tuple(sorted(int(b) for b in best))
                    out[i] = (c, float(top), self.keys[c[0]], "fuzzy")
                else:  # a near miss, reported with its real score and why it failed
                    j = int(np.argmax(score))
                    why = "words" if (score[j] >= self.min_score and not valid[j]) else "near"
                    out[i] = ((), float(score[j]), self.keys[int(ref_idx[cand[j]])], why)
        return out
