"""Knox contingency counts: bands of distance and time, observed and permuted tables (numba).

The spatial pairs within the largest finite distance are fixed; a permutation only moves the
time labels, so each permutation recounts the time band of those pairs (numba, in parallel over
permutations). Cells beyond the largest finite band ("more than") come from totals that no
permutation changes: the pairs per spatial band (the pairs do not move) and the pairs per time
band (a permutation of the times keeps the multiset of time differences).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from hotspots.stats._pairs import _bands_of

_BLOCK = 32  # fewest permutations counted in one pass over the pairs
_MAX_BLOCK = 128  # most permutations in one pass (each pass reads every pair once)
_BLOCK_BYTES = 32 * 2**20  # a pass's time table (n × block) stays under this when it can
_PARALLEL_PAIRS = 200_000  # fewer pairs are recounted on one thread


def spatial_bands(distance_m: np.ndarray, edges_m: np.ndarray, *, closed: str) -> np.ndarray:
    """Band of each distance: 0 same location (exactly 0), 1…k finite bands, k+1 "more than".

    ``edges_m`` are the k upper edges. ``closed="left"``: band i holds [e(i−1), e(i)) (band 1
    (0, e1)); ``closed="right"``: band i holds (e(i−1), e(i)]. int8 (see
    :func:`hotspots.stats._pairs.distance_band`).
    """
    return _bands_of(np.ascontiguousarray(distance_m, dtype=np.float64),
                     np.ascontiguousarray(edges_m, dtype=np.float64), closed == "left")


def temporal_bands(dt: np.ndarray, edges: np.ndarray, *, closed: str) -> np.ndarray:
    """Band of each time difference: 0…m−1 finite bands, m "more than" (edges: m upper edges)."""
    side = "right" if closed == "left" else "left"
    return np.searchsorted(edges, dt, side=side).astype(np.int64)  # type: ignore[call-overload]


def pairs_per_time_band(t: np.ndarray, edges: np.ndarray, *, closed: str) -> np.ndarray:
    """Number of unordered pairs in each time band (m finite bands, then "more than").

    From the sorted times: the pairs with |Δt| below (or up to) an edge are counted by binary
    search, so no pair is enumerated. Times and edges are integers (exact differences).
    """
    n = len(t)
    ts = np.sort(np.asarray(t, dtype=np.int64))
    side = "left" if closed == "left" else "right"
    idx = np.arange(n)
    within = np.array([int((np.searchsorted(ts, ts + e, side=side) - idx - 1).sum())  # type: ignore[call-overload]
                       for e in edges], dtype=np.int64)
    total = n * (n - 1) // 2
    cum = np.r_[within, total]
    return np.diff(np.r_[0, cum])


@numba.njit(cache=True, nogil=True)
def _at_least_range(first, second, sband, times, thresholds, lo, hi, local,
                    limit):  # pragma: no cover
    """Add to local[s, e, r] the pairs lo…hi−1 of band s whose |Δt| in column r ≥ threshold e.

    The innermost loops run over the B time columns with no scatter, so they vectorise. The
    counts are kept in the times' own integer type (int16 for calendar days: twice the lanes
    of int32) and added to the int64 ``local`` every ``limit`` pairs, before they could
    overflow (``limit`` = the largest value of that type).
    """
    width = times.shape[1]
    m = len(thresholds)
    n_s = local.shape[0]
    acc = np.zeros((n_s, m, width), dtype=times.dtype)
    dt = np.empty(width, dtype=times.dtype)
    p = lo
    while p < hi:
        stop = min(hi, p + limit)
        for q in range(p, stop):
            a = first[q]
            b = second[q]
            s = sband[q]
            for r in range(width):
                dt[r] = abs(times[a, r] - times[b, r])
            for e in range(m):
                edge = thresholds[e]
                for r in range(width):
                    acc[s, e, r] += dt[r] >= edge
        for s in range(n_s):
            for e in range(m):
                for r in range(width):
                    local[s, e, r] += acc[s, e, r]
                    acc[s, e, r] = 0
        p = stop


@numba.njit(cache=True, nogil=True)
def _at_least_serial(first, second, sband, times, thresholds, n_s):  # pragma: no cover
    """(n_s, m, B) counts of pairs with |Δt| ≥ each threshold, for each time column."""
    local = np.zeros((n_s, len(thresholds), times.shape[1]), dtype=np.int64)
    _at_least_range(first, second, sband, times, thresholds, 0, len(first), local,
                    _flush_every(times))
    return local


@numba.njit(parallel=True, cache=True, nogil=True)
def _at_least_parallel(first, second, sband, times, thresholds, n_s, n_chunks):  # pragma: no cover
    """As :func:`_at_least_serial`, the pairs split into chunks counted in parallel."""
    n_pairs = len(first)
    out = np.zeros((n_chunks, n_s, len(thresholds), times.shape[1]), dtype=np.int64)
    step = (n_pairs + n_chunks - 1) // n_chunks
    limit = _flush_every(times)
    for c in numba.prange(n_chunks):
        local = np.zeros((n_s, len(thresholds), times.shape[1]), dtype=np.int64)
        _at_least_range(first, second, sband, times, thresholds, c * step,
                        min(n_pairs, (c + 1) * step), local, limit)
        out[c] = local
    return out.sum(axis=0)


@numba.njit(cache=True, nogil=True)
def _flush_every(times):  # pragma: no cover
    """Pairs counted in the times' type before the counts go to int64 (no overflow)."""
    return min(np.iinfo(times.dtype).max, 2**31 - 1)


@numba.njit(cache=True, nogil=True)
def _renumber(first, second, rank):  # pragma: no cover
    """Both ends of every pair renumbered through ``rank``, as int32 (pair order kept)."""
    a = np.empty(len(first), dtype=np.int32)
    b = np.empty(len(first), dtype=np.int32)
    for p in range(len(first)):
        a[p] = rank[first[p]]
        b[p] = rank[second[p]]
    return a, b


@dataclass(frozen=True, eq=False)
class _Recount:
    """Pairs renumbered along the locality order, ready to be recounted for many permutations."""

    first: np.ndarray
    second: np.ndarray
    sband: np.ndarray
    t: np.ndarray
    order: np.ndarray
    thresholds: np.ndarray
    row_totals: np.ndarray
    n_spatial: int
    n_chunks: int

    @classmethod
    def prepare(cls, first, second, sband, t, t_edges, *, closed, n_spatial, locality=None):
        n = len(t)
        thresholds = np.asarray(t_edges, dtype=np.int64) + (1 if closed == "right" else 0)
        t = np.asarray(t, dtype=np.int64)
        t = t - (t.min() if n else 0)
        top = max(int(t.max()) if n else 0, int(thresholds.max()) if len(thresholds) else 0)
        # the narrowest type holding every time and threshold (calendar days: int16)
        dtype = np.int16 if top < 2**15 - 1 else np.int32 if top < 2**31 - 1 else np.int64
        order = np.arange(n) if locality is None else np.asarray(locality, dtype=np.int64)
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        a, b = _renumber(np.asarray(first), np.asarray(second), rank)
        s = np.ascontiguousarray(sband)
        n_chunks = max(4 * numba.get_num_threads(), int(np.ceil(len(a) / 2**30)))
        return cls(first=a, second=b, sband=s,
                   t=t.astype(dtype), order=order, thresholds=thresholds.astype(dtype),
                   row_totals=np.bincount(s, minlength=n_spatial), n_spatial=n_spatial,
                   n_chunks=n_chunks)

    @property
    def block(self) -> int:
        """Permutations counted in one pass over the pairs: as many as fit
        :data:`_BLOCK_BYTES` of times, between :data:`_BLOCK` and :data:`_MAX_BLOCK`."""
        per_column = max(1, len(self.t) * self.t.itemsize)
        return int(np.clip(_BLOCK_BYTES // per_column, _BLOCK, _MAX_BLOCK))

    def cells(self, perms) -> np.ndarray:
        """Finite cells (R, n_spatial, m) when incident i gets time ``t[perm[i]]`` (``perms``:
        an (R, n) array or a list of R permutations)."""
        m = len(self.thresholds)
        out = np.empty((len(perms), self.n_spatial, m), dtype=np.int64)
        width = self.block
        for lo in range(0, len(perms), width):
            block = perms[lo:lo + width]
            rows = np.empty((len(block), len(self.t)), dtype=self.t.dtype)
            for r, perm in enumerate(block):  # row r: the times in locality order
                np.take(self.t, np.take(np.asarray(perm), self.order), out=rows[r])
            times = np.ascontiguousarray(rows.T)
            if len(self.first) < _PARALLEL_PAIRS:  # thread start-up costs more than it saves
                ge = _at_least_serial(self.first, self.second, self.sband, times,
                                      self.thresholds, self.n_spatial)
            else:
                ge = _at_least_parallel(self.first, self.second, self.sband, times,
                                        self.thresholds, self.n_spatial, self.n_chunks)
            ge = np.moveaxis(ge, 2, 0)  # (B, n_s, m)
            cells = np.empty_like(ge)
            cells[:, :, 0] = self.row_totals[None, :] - ge[:, :, 0]
            cells[:, :, 1:] = ge[:, :, :-1] - ge[:, :, 1:]
            out[lo:lo + len(block)] = cells
        return out


def finite_counts(first: np.ndarray, second: np.ndarray, sband: np.ndarray, t: np.ndarray,
                  perms: np.ndarray, t_edges: np.ndarray, *, closed: str, n_spatial: int,
                  locality: np.ndarray | None = None) -> np.ndarray:
    """Finite cells (R, n_spatial, m) of the pairs when incident i gets time ``t[perm[i]]``.

    ``locality`` (optional) is an order of the incidents that keeps neighbours close (e.g. a
    Morton curve): the pairs are renumbered along it so that the times of both ends of a pair sit
    in nearby memory. It changes no count.
    """
    return _Recount.prepare(first, second, sband, t, t_edges, closed=closed, n_spatial=n_spatial,
                            locality=locality).cells(perms)


def complete(finite: np.ndarray, row_totals: np.ndarray, col_totals: np.ndarray) -> np.ndarray:
    """Full tables (…, k+2, m+1) from the finite cells (…, k+1, m) and the invariant totals.

    ``row_totals``: pairs per finite spatial band (k+1); ``col_totals``: pairs per time band,
    "more than" included (m+1).
    """
    shape = (*finite.shape[:-2], finite.shape[-2] + 1, finite.shape[-1] + 1)
    full = np.zeros(shape, dtype=np.int64)
    full[..., :-1, :-1] = finite
    full[..., :-1, -1] = row_totals - finite.sum(axis=-1)
    full[..., -1, :-1] = col_totals[:-1] - finite.sum(axis=-2)
    full[..., -1, -1] = col_totals.sum() - full[..., :-1, :].sum(axis=(-2, -1)) \
        - full[..., -1, :-1].sum(axis=-1)
    return full


def knox_counts(first: np.ndarray, second: np.ndarray, sband: np.ndarray, t: np.ndarray,
                t_edges: np.ndarray, *, closed: str, n_spatial: int, permutations: int,
                seed, locality: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Observed full table and the (permutations, k+2, m+1) tables of permuted time labels.

    ``first``/``second``/``sband`` are the pairs in the finite spatial bands (0…k, ``n_spatial``
    = k+1 of them); ``t`` integer times of the incidents; ``t_edges`` the m finite upper edges.
    Permutation r is the r-th ``rng.permutation(n)`` of ``rng = numpy.random.default_rng(seed)``,
    so the result depends on the seed only (not on the number of threads or on ``locality``).
    """
    n = len(t)
    t = np.ascontiguousarray(t, dtype=np.int64)
    sband = np.asarray(sband)
    if sband.dtype.kind not in "iu":
        sband = sband.astype(np.int64)
    row_totals = np.bincount(sband, minlength=n_spatial).astype(np.int64)
    col_totals = pairs_per_time_band(t, t_edges, closed=closed)
    recount = _Recount.prepare(first, second, sband, t, t_edges, closed=closed,
                               n_spatial=n_spatial, locality=locality)
    rng = np.random.default_rng(seed)
    sims = np.empty((permutations, n_spatial, len(t_edges)), dtype=np.int64)
    # the observed times (identity) ride in the first pass with the first permutations: every
    # pass over the pairs counts a full block of time columns
    width, done, observed = recount.block, 0, None
    while observed is None or done < permutations:
        lead = 1 if observed is None else 0
        size = min(width - lead, permutations - done)
        cols = [np.arange(n, dtype=np.int64)] * lead
        cols += [rng.permutation(n) if n else np.empty(0, dtype=np.int64) for _ in range(size)]
        cells = recount.cells(cols)
        if lead:
            observed = complete(cells[0], row_totals, col_totals)
        sims[done:done + size] = cells[lead:]
        done += size
    return observed, complete(sims, row_totals, col_totals)


def summarise(observed: np.ndarray, sims: np.ndarray) -> dict[str, np.ndarray]:
    """Expected (mean, median), Knox ratios and one-sided p = (#{sim ≥ obs} + 1)/(R + 1)."""
    mean = sims.mean(axis=0)
    median = np.median(sims, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = observed / mean
        ratio_median = observed / median
    ge = (sims >= observed[None]).sum(axis=0)
    p = (ge + 1) / (len(sims) + 1)
    return {"expected_mean": mean, "expected_median": median, "knox_ratio": ratio,
            "knox_ratio_median": ratio_median, "p_value": p}
