"""Keys one edit away (OSA: a swap of neighbours is one edit) by a hashed deletion index (numba).

The symmetric-deletion idea: two strings are within one insertion, deletion, substitution or
transposition of each other only if they share a *variant* (the string itself or the string
with one character deleted). The reference keys' variants are hashed once (64-bit FNV-1a over
code points) into a sorted array; a query's variants are hashed and looked up in one compiled
pass, and every key found is checked with the exact one-edit test, so a hash collision can add
work but never a wrong candidate. This finds exactly the keys a Python dictionary of deletion
strings finds, checked with ``rapidfuzz.distance.OSA.distance(..., score_cutoff=1) <= 1``.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["DeletionIndex", "codepoints"]

def codepoints(texts) -> tuple[np.ndarray, np.ndarray]:
    """All texts' code points concatenated (int32) and the start of each text (n + 1)."""
    joined = "".join(texts)
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.int32).copy()
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    ptr = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=ptr[1:])
    return cps, ptr


@numba.njit(cache=True, nogil=True)
def _hash(cps, a, b, skip):  # pragma: no cover - numba
    """FNV-1a of cps[a:b] without position ``skip`` (−1: none), with the length mixed in."""
    h = np.uint64(14695981039346656037)
    prime = np.uint64(1099511628211)
    for i in range(a, b):
        if i == skip:
            continue
        h = (h ^ np.uint64(cps[i] + 1)) * prime
    n = b - a - (1 if skip >= 0 else 0)
    return (h ^ np.uint64(n + 0x9E3779B9)) * prime


@numba.njit(cache=True, nogil=True)
def _variants(cps, ptr, eligible):  # pragma: no cover - numba
    """(hash, key) of every variant of the eligible keys."""
    total = 0
    for k in range(len(ptr) - 1):
        if eligible[k]:
            total += ptr[k + 1] - ptr[k] + 1
    hashes = np.empty(total, np.uint64)
    owner = np.empty(total, np.int64)
    t = 0
    for k in range(len(ptr) - 1):
        if not eligible[k]:
            continue
        a = ptr[k]
        b = ptr[k + 1]
        hashes[t] = _hash(cps, a, b, -1)
        owner[t] = k
        t += 1
        for j in range(a, b):
            hashes[t] = _hash(cps, a, b, j)
            owner[t] = k
            t += 1
    return hashes, owner


@numba.njit(cache=True, nogil=True)
def _within_one(x, xa, xb, y, ya, yb):  # pragma: no cover - numba
    """OSA distance of x[xa:xb] and y[ya:yb] when it is 0 or 1, else 2."""
    nx = xb - xa
    ny = yb - ya
    if nx == ny:
        first = -1
        second = -1
        for i in range(nx):
            if x[xa + i] != y[ya + i]:
                if first < 0:
                    first = i
                elif second < 0:
                    second = i
                else:
                    return 2
        if first < 0:
            return 0
        if second < 0:
            return 1
        if second == first + 1 and x[xa + first] == y[ya + second] and \
                x[xa + second] == y[ya + first]:
            return 1
        return 2
    if nx == ny + 1 or ny == nx + 1:
        if nx < ny:  # make x the longer
            x, xa, xb, y, ya, yb = y, ya, yb, x, xa, xb
            nx, ny = ny, nx
        i = 0
        while i < ny and x[xa + i] == y[ya + i]:
            i += 1
        for j in range(i, ny):
            if x[xa + j + 1] != y[ya + j]:
                return 2
        return 1
    return 2


@numba.njit(cache=True, nogil=True)
def _search(qcps, qptr, hashes, owner, kcps, kptr):  # pragma: no cover - numba
    """(query, key, distance) of every key within one edit of each query (two passes: count,
    then fill, so that no list is built)."""
    nq = len(qptr) - 1
    seen = np.full(len(kptr) - 1, -1, np.int64)
    total = 0
    out_q = np.empty(0, np.int64)
    out_k = np.empty(0, np.int64)
    out_d = np.empty(0, np.int64)
    for fill in range(2):
        if fill == 1:
            out_q = np.empty(total, np.int64)
            out_k = np.empty(total, np.int64)
            out_d = np.empty(total, np.int64)
            seen[:] = -1
        t = 0
        for q in range(nq):
            a = qptr[q]
            b = qptr[q + 1]
            for j in range(a - 1, b):
                h = _hash(qcps, a, b, j if j >= a else -1)
                lo = np.searchsorted(hashes, h, side="left")
                while lo < len(hashes) and hashes[lo] == h:
                    k = owner[lo]
                    lo += 1
                    if seen[k] == q:
                        continue
                    seen[k] = q
                    d = _within_one(qcps, a, b, kcps, kptr[k], kptr[k + 1])
                    if d <= 1:
                        if fill == 1:
                            out_q[t] = q
                            out_k[t] = k
                            out_d[t] = d
                        t += 1
        total = t
    return out_q, out_k, out_d


class DeletionIndex:
    """Reference keys that may take one edit, ready for batched one-edit look-ups.

    Parameters
    ----------
    keys
        The reference keys (strings).
    eligible
        Per key: may it match with one edit (its length's edit budget is at least one)?
    """

    def __init__(self, keys, eligible):
        keys = [str(k) for k in keys]
        self._kcps, self._kptr = codepoints(keys)
        hashes, owner = _variants(self._kcps, self._kptr, np.asarray(eligible, dtype=np.bool_))
        order = np.argsort(hashes, kind="stable")
        self._hashes = np.ascontiguousarray(hashes[order])
        self._owner = np.ascontiguousarray(owner[order])

    def search(self, texts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(query position, key, edits 0 or 1) of every eligible key within one OSA edit of
        each text."""
        texts = list(texts)
        if not texts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        qcps, qptr = codepoints(texts)
        return _search(qcps, qptr, self._hashes, self._owner, self._kcps, self._kptr)
