"""Fuzzy matching of normalised street names against the street names of the segment layer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

#: score given when only the short keys (titles left out) agree: "Rua Osório" ~ "Rua General Osório"
SHORT_KEY_SCORE = 92.0
#: points taken off when the written street type differs from the matched one ("Av." for a "Rua")
TYPE_MISMATCH_PENALTY = 5.0


@dataclass(frozen=True)
class NameMatches:
    """For each query: the best reference key (−1 if none), its score and how many keys tied."""

    key_index: np.ndarray  #: index into ``StreetNames.keys``, −1 when nothing scored
    score: np.ndarray  #: 0–100 (before type checks)
    ties: np.ndarray  #: number of distinct reference keys sharing the best score


class StreetNames:
    """The distinct matching keys of a street layer, searchable exactly and fuzzily."""

    def __init__(self, keys: np.ndarray | list[str], short_keys: np.ndarray | list[str]):
        frame = pd.DataFrame({"key": np.asarray(keys, dtype=object),
                              "short": np.asarray(short_keys, dtype=object)})
        frame = frame[frame["key"] != ""].drop_duplicates("key").reset_index(drop=True)
        self.keys = frame["key"].to_numpy(dtype=object)
        self.short_keys = frame["short"].to_numpy(dtype=object)
        self._by_key = {k: i for i, k in enumerate(self.keys)}
        shorts: dict[str, list[int]] = {}
        for i, s in enumerate(self.short_keys):
            shorts.setdefault(s, []).append(i)
        self._by_short = shorts

    def match(self, keys, short_keys, *, min_score: float = 85.0) -> NameMatches:
        """Best reference key for each query key: exact, then title-less, then fuzzy.

        Fuzzy scores are the larger of rapidfuzz's ``ratio`` (typos, missing letters) and
        ``token_sort_ratio`` (word order), computed once per distinct query against every
        distinct reference key with ``process.cdist``. Queries scoring under ``min_score``
        keep their best score but get ``key_index`` −1.
        """
        q = pd.DataFrame({"key": np.asarray(keys, dtype=object),
                          "short": np.asarray(short_keys, dtype=object)})
        uq = q.drop_duplicates().reset_index(drop=True)
        n = len(uq)
        idx = np.full(n, -1, dtype=np.int64)
        score = np.zeros(n)
        ties = np.zeros(n, dtype=np.int64)
        todo = []
        for i, (k, s) in enumerate(zip(uq["key"], uq["short"])):
            if not k:
                continue
            hit = self._by_key.get(k)
            if hit is not None:
                idx[i], score[i], ties[i] = hit, 100.0, 1
                continue
            cands = self._by_short.get(s, []) or self._by_short.get(k, [])
            if not cands and s in self._by_key:
                cands = [self._by_key[s]]
            if cands:
                idx[i], score[i], ties[i] = cands[0], SHORT_KEY_SCORE, len(cands)
                continue
            todo.append(i)
        if todo and len(self.keys):
            qk = uq["key"].to_numpy(dtype=object)[todo].tolist()
            ref = self.keys.tolist()
            cutoff = max(min_score - 15.0, 0.0)
            m = np.maximum(
                process.cdist(qk, ref, scorer=fuzz.ratio, score_cutoff=cutoff, workers=-1,
                              dtype=np.float32),
                process.cdist(qk, ref, scorer=fuzz.token_sort_ratio, score_cutoff=cutoff,
                              workers=-1, dtype=np.float32),
            )
            best = m.max(axis=1)
            arg = m.argmax(axis=1)
            nties = (np.abs(m - best[:, None]) < 1e-6).sum(axis=1)
            todo_arr = np.asarray(todo)
            score[todo_arr] = best
            found = best > 0
            idx[todo_arr[found]] = arg[found]
            ties[todo_arr] = np.where(found, nties, 0)
        low = score < min_score
        idx[low] = -1
        # map back to the queries
        pos = pd.MultiIndex.from_frame(uq).get_indexer(pd.MultiIndex.from_frame(q))
        return NameMatches(key_index=idx[pos], score=score[pos], ties=ties[pos])
