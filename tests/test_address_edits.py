"""One-edit look-ups by the hashed deletion index (hotspots.address.edits) against rapidfuzz."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from hotspots.address.edits import DeletionIndex


def _brute(keys, eligible, text):
    return sorted((k, int(OSA.distance(text, key))) for k, key in enumerate(keys)
                  if eligible[k] and OSA.distance(text, key) <= 1)


def _found(index, texts):
    q, k, d = index.search(texts)
    return [sorted((int(kk), int(dd)) for qq, kk, dd in zip(q, k, d) if qq == i)
            for i in range(len(texts))]


def test_hand_cases():
    keys = ["OSORIO", "OSORIA", "SORIO", "GOMES CARNEIRO", "AB", "ÇÃO"]
    idx = DeletionIndex(keys, [True] * len(keys))
    got = _found(idx, ["OSROIO", "OSORIO", "OSRIO", "BA", "ÇAO", "XYZ", ""])
    assert got == [[(0, 1)],                    # a swap is one edit
                   [(0, 0), (1, 1), (2, 1)],    # itself, one substitution, one deletion
                   [(0, 1), (2, 1)],            # one insertion away from both
                   [(4, 1)], [(5, 1)],          # transposition; a non-ASCII substitution
                   [], []]
    assert _found(DeletionIndex(keys, [False] * len(keys)), ["OSORIO"]) == [[]]


@pytest.mark.parametrize("seed", [0, 1])
def test_equals_brute_force_on_typos(seed):
    rng = np.random.default_rng(seed)
    alphabet = np.array(list("ABCDE "))
    keys = sorted({"".join(rng.choice(alphabet, int(rng.integers(1, 9)))) for _ in range(400)})
    eligible = rng.random(len(keys)) < 0.8
    idx = DeletionIndex(keys, eligible)
    texts = []
    for _ in range(600):
        k = list(keys[int(rng.integers(len(keys)))])
        op = rng.integers(4)
        i = int(rng.integers(len(k)))
        if op == 0:
            k[i] = str(rng.choice(alphabet))
        elif op == 1 and len(k) > 1:
            del k[i]
        elif op == 2:
            k.insert(i, str(rng.choice(alphabet)))
        elif i + 1 < len(k):
            k[i], k[i + 1] = k[i + 1], k[i]
        texts.append("".join(k))
    assert _found(idx, texts) == [_brute(keys, eligible, t) for t in texts]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text("ABÇ ", min_size=1, max_size=6), min_size=1, max_size=30, unique=True),
       st.lists(st.text("ABÇ ", max_size=7), min_size=1, max_size=10))
def test_equals_brute_force_property(keys, texts):
    idx = DeletionIndex(keys, [True] * len(keys))
    assert _found(idx, texts) == [_brute(keys, [True] * len(keys), t) for t in texts]
