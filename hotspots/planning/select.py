"""The best set of projects under budgets, exactly: a 0–1 programme solved with HiGHS (scipy milp).

Maximise the value of the chosen projects (or, with overlapping catchments, the weight of the
incidents covered at least once) subject to one or more budgets (R$, metres, lamps), at most N
projects per group (bairro) and a must-fund list. The exact path:

1. the LP relaxation (HiGHS dual simplex) gives duals y ≤ 0; for *any* such y the Lagrangian
   bound V_max ≤ −(y·b + Σ_j min(d_j l_j, d_j u_j)), d = c − Aᵀy, holds, so the bound does not
   rest on the LP's accuracy;
2. a greedy plan (value per cost) is the incumbent V_inc;
3. a project with |d_j| > V_bound − V_inc would, if moved off its LP bound, give a plan worse
   than the incumbent, so it is fixed (reduced-cost fixing: most projects are decided here);
4. the remaining core is solved by ``scipy.optimize.milp`` with a zero optimality gap, and the
   better of it and the incumbent is returned, proven optimal when HiGHS says so.

Greedy alone is the stated fallback (``method="greedy"``, or when HiGHS fails or the result
does not check out); it is never returned silently.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from hotspots._errors import ValidationError, problems_message

__all__ = ["Selection", "greedy", "select"]

_FEAS_TOL = 1e-9


@dataclass(frozen=True)
class Selection:
    """Which projects are chosen, the objective reached and how it was found."""

    chosen: np.ndarray  #: bool per project
    objective: float  #: value of the chosen set (coverage: weight covered at least once)
    method: str  #: "exact" or "greedy"
    optimal: bool  #: proven optimal (exact path, HiGHS status optimal)
    greedy_objective: float  #: what value-per-cost greedy reaches (the incumbent)
    bound: float  #: an upper bound on the optimum (LP/Lagrangian); nan for greedy only
    fixed: int  #: projects decided by reduced-cost fixing before the MILP
    note: str  #: why greedy was used, or that the time limit was reached ("" otherwise)


@dataclass(frozen=True)
class _Problem:
    values: np.ndarray
    uses: np.ndarray  # (k, n)
    limits: np.ndarray  # (k,)
    group: np.ndarray  # (n,) int, -1 = no group
    cap: int | None
    must: np.ndarray  # (n,) bool
    cover: sp.csr_array | None  # (m, n) 0/1
    weights: np.ndarray | None  # (m,)

    @property
    def n(self) -> int:
        return len(self.values)

    def objective(self, chosen: np.ndarray) -> float:
        if self.cover is None:
            return float(self.values[chosen].sum())
        hit = (self.cover @ chosen.astype(float)) > 0
        return float(self.weights[hit].sum())  # type: ignore[index]

    def feasible(self, chosen: np.ndarray) -> bool:
        used = self.uses @ chosen.astype(float)
        scale = np.maximum(1.0, np.abs(self.limits))
        if np.any(used > self.limits + _FEAS_TOL * scale):
            return False
        if not np.all(chosen[self.must]):
            return False
        if self.cap is not None:
            g = self.group[chosen & (self.group >= 0)]
            if len(g) and np.bincount(g).max() > self.cap:
                return False
        return True


def _problem(values, uses, limits, group, max_per_group, must, cover, cover_weights):
    values = np.asarray(values, dtype=float)
    n = values.shape[0] if values.ndim == 1 else -1
    problems = []
    if values.ndim != 1:
        problems.append(f"values must be one number per project, got shape {values.shape}")
        n = 0
    uses = np.asarray(uses, dtype=float)
    if uses.ndim == 1:
        uses = uses.reshape(1, -1)
    limits = np.atleast_1d(np.asarray(limits, dtype=float))
    if uses.ndim != 2 or uses.shape[1] != max(n, 0):
        problems.append(f"uses must be (budgets × {max(n, 0)} projects), got shape {uses.shape}")
        uses = np.zeros((len(limits), max(n, 0)))
    elif uses.shape[0] != limits.shape[0]:
        problems.append(f"{uses.shape[0]} rows of uses but {limits.shape[0]} limits")
    if not np.isfinite(values).all() or (values < 0).any():
        problems.append("values must be finite and ≥ 0")
    if not np.isfinite(uses).all() or (uses < 0).any():
        problems.append("uses (costs) must be finite and ≥ 0")
    if np.isnan(limits).any() or (limits < 0).any():
        problems.append("limits (budgets) must be ≥ 0 (use inf for no limit)")
    group = (np.full(n, -1, dtype=np.int64) if group is None
             else np.asarray(group, dtype=np.int64))
    must = np.zeros(n, dtype=bool) if must is None else np.asarray(must, dtype=bool)
    if group.shape != (n,) or must.shape != (n,):
        problems.append("group and must need one entry per project")
    if max_per_group is not None and max_per_group < 0:
        problems.append(f"max_per_group={max_per_group!r}: must be ≥ 0")
    weights = None
    if cover is not None:
        cover = sp.csr_array(cover, dtype=float)
        weights = np.asarray(cover_weights, dtype=float)
        if cover.shape[1] != n or weights.shape != (cover.shape[0],):
            problems.append(f"cover must be (items × {n} projects) with one weight per item")
        elif not np.isfinite(weights).all() or (weights < 0).any():
            problems.append("cover weights must be finite and ≥ 0")
    if problems:
        raise ValidationError(problems_message("select: unusable selection problem", problems))
    finite = np.isfinite(limits)
    prob = _Problem(values=values, uses=uses[finite], limits=limits[finite], group=group,
                    cap=None if max_per_group is None else int(max_per_group), must=must,
                    cover=cover, weights=weights)
    _check_must(prob)
    return prob


def _check_must(p: _Problem) -> None:
    problems = []
    used = p.uses[:, p.must].sum(axis=1)
    for r in np.flatnonzero(used > p.limits + _FEAS_TOL * np.maximum(1.0, p.limits)):
        problems.append(f"the must-fund projects use {used[r]:,.2f} of limit {r} "
                        f"({p.limits[r]:,.2f})")
    if p.cap is not None:
        g = p.group[p.must & (p.group >= 0)]
        if len(g):
            counts = np.bincount(g)
            for gi in np.flatnonzero(counts > p.cap):
                problems.append(f"group {gi} has {counts[gi]} must-fund projects, more than the "
                                f"cap of {p.cap}")
    if problems:
        raise ValidationError(problems_message(
            "select: the must-fund list cannot be met", problems,
            "raise the budget or the cap, or shorten the must-fund list"))


def _greedy(p: _Problem, start: np.ndarray | None = None) -> np.ndarray:
    """Must-fund (and ``start``) first, then by value (marginal value with cover) per unit of
    the first budget."""
    n = p.n
    chosen = p.must.copy() if start is None else (p.must | start)
    used = p.uses @ chosen.astype(float)
    scale = np.maximum(1.0, np.abs(p.limits))
    per_group = np.bincount(p.group[chosen & (p.group >= 0)],
                            minlength=int(p.group.max(initial=-1)) + 1)
    cost = p.uses[0] if len(p.uses) else np.ones(n)

    def fits(i: int) -> bool:
        if np.any(used + p.uses[:, i] > p.limits + _FEAS_TOL * scale):
            return False
        return p.cap is None or p.group[i] < 0 or per_group[p.group[i]] < p.cap

    def take(i: int) -> None:
        nonlocal used
        chosen[i] = True
        used = used + p.uses[:, i]
        if p.group[i] >= 0:
            per_group[p.group[i]] += 1

    if p.cover is None:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(cost > 0, p.values / cost, np.inf)
        for i in np.lexsort((np.arange(n), -p.values, -ratio)):
            if not chosen[i] and p.values[i] > 0 and fits(i):
                take(i)
        best = _best_single(p, chosen) if start is None else None
        return best if best is not None else chosen
    cover_csc = p.cover.tocsc()
    left = p.weights.copy()  # type: ignore[union-attr]
    left[(p.cover @ chosen.astype(float)) > 0] = 0.0
    while True:  # marginal gain per cost; a loop over picks (few hundred areas at most)
        gain = cover_csc.T @ left
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(cost > 0, gain / cost, np.where(gain > 0, np.inf, 0.0))
        ratio[chosen | (gain <= 0)] = -1.0
        pick = -1
        for i in np.lexsort((np.arange(n), -gain, -ratio)):
            if ratio[i] < 0:
                break
            if fits(i):
                pick = int(i)
                break
        if pick < 0:
            return chosen
        take(pick)
        left[cover_csc[:, [pick]].toarray().ravel() > 0] = 0.0


def _best_single(p: _Problem, chosen: np.ndarray) -> np.ndarray | None:
    """The must-fund set plus the single most valuable project that fits, when that beats greedy."""
    base = p.must.copy()
    used = p.uses @ base.astype(float)
    scale = np.maximum(1.0, np.abs(p.limits))
    ok = ~base & (p.values > 0) & np.all(used[:, None] + p.uses <= (p.limits + _FEAS_TOL * scale)
                                         [:, None], axis=0)
    if p.cap is not None:
        counts = np.bincount(p.group[base & (p.group >= 0)],
                             minlength=max(int(p.group.max(initial=-1)) + 1, 1))
        ok &= (p.group < 0) | (counts[np.clip(p.group, 0, None)] < p.cap)
    if not ok.any():
        return None
    i = int(np.flatnonzero(ok)[np.argmax(p.values[ok])])
    if p.values[i] + p.values[base].sum() > p.values[chosen].sum():
        base[i] = True
        return base
    return None


def _matrices(p: _Problem):
    """min c·v s.t. A v ≤ b, l ≤ v ≤ u; v = [x (n binaries), z (m coverage, continuous)]."""
    n, m = p.n, 0 if p.cover is None else p.cover.shape[0]
    blocks, rhs = [], []
    if len(p.uses):
        blocks.append(sp.hstack([sp.csr_array(p.uses), sp.csr_array((len(p.uses), m))]))
        rhs.append(p.limits)
    if p.cap is not None:
        members = np.bincount(p.group[p.group >= 0], minlength=int(p.group.max(initial=-1)) + 1)
        tight = np.flatnonzero(members > p.cap)
        if len(tight):
            sel = np.isin(p.group, tight)
            row = np.searchsorted(tight, p.group[sel])
            blocks.append(sp.csr_array((np.ones(sel.sum()), (row, np.flatnonzero(sel))),
                                       shape=(len(tight), n + m)))
            rhs.append(np.full(len(tight), float(p.cap)))
    if m:
        # z_g ≤ Σ x over its areas
        blocks.append(sp.hstack([-p.cover, sp.eye_array(m)]))  # type: ignore[operator]
        rhs.append(np.zeros(m))
    a = sp.vstack(blocks).tocsr() if blocks else sp.csr_array((0, n + m))
    b = np.concatenate(rhs) if rhs else np.zeros(0)
    c = -np.r_[p.values if m == 0 else np.zeros(n), p.weights if m else np.zeros(0)]
    lo = np.r_[p.must.astype(float), np.zeros(m)]
    hi = np.ones(n + m)
    return c, a, b, lo, hi


def _lagrangian(c, a, b, lo, hi, y):
    y = np.minimum(y, 0.0)
    d = c - a.T @ y
    bound_min = float(y @ b + np.minimum(d * lo, d * hi).sum())
    return d, -bound_min


def greedy(values, *, uses, limits, group=None, max_per_group=None, must=None, cover=None,
           cover_weights=None) -> Selection:
    """The value-per-cost greedy plan (see :func:`select`; the fallback, never exact)."""
    p = _problem(values, uses, limits, group, max_per_group, must, cover, cover_weights)
    chosen = _greedy(p)
    obj = p.objective(chosen)
    return Selection(chosen=chosen, objective=obj, method="greedy", optimal=False,
                     greedy_objective=obj, bound=float("nan"), fixed=0,
                     note="greedy by value per cost (asked for)")


def select(
    values,
    *,
    uses,
    limits,
    group=None,
    max_per_group: int | None = None,
    must=None,
    cover=None,
    cover_weights=None,
    method: str = "exact",
    time_limit_s: float = 60.0,
) -> Selection:
    """Choose projects maximising their value under budgets, exactly (0–1 programme).

    Parameters
    ----------
    values : array (n,)
        Value of each project (≥ 0); with ``cover`` only used by the greedy incumbent order.
    uses : array (k, n)
        What each project uses of each budget (R$, metres, lamps).
    limits : array (k,)
        The budgets; ``inf`` = no limit.
    group, max_per_group : array (n,) of int, int
        At most ``max_per_group`` chosen projects per group (−1 = no group, not capped).
    must : array (n,) of bool
        Projects that must be chosen (ValidationError when they do not fit).
    cover, cover_weights : sparse (m, n), array (m,)
        Overlapping catchments: item g (incidents) is covered when any project j with
        ``cover[g, j] = 1`` is chosen; the objective is then the weight covered at least once.
    method : {"exact", "greedy"}
    time_limit_s : float
        HiGHS time limit (s) on the core MILP; when reached the best plan found is returned
        with ``optimal=False`` and a note.

    Returns
    -------
    Selection
    """
    if method not in ("exact", "greedy"):
        raise ValidationError(f"select: method={method!r}; use 'exact' or 'greedy'")
    if method == "greedy":
        return greedy(values, uses=uses, limits=limits, group=group, max_per_group=max_per_group,
                      must=must, cover=cover, cover_weights=cover_weights)
    p = _problem(values, uses, limits, group, max_per_group, must, cover, cover_weights)
    inc = _greedy(p)
    inc_obj = greedy_obj = p.objective(inc)
    n = p.n
    if n == 0:
        return Selection(chosen=inc, objective=0.0, method="exact", optimal=True,
                         greedy_objective=0.0, bound=0.0, fixed=0, note="")
    c, a, b, lo, hi = _matrices(p)
    lp = linprog(c, A_ub=a if a.shape[0] else None, b_ub=b if a.shape[0] else None,
                 bounds=np.c_[lo, hi], method="highs-ds", options={"presolve": False})
    if lp.status != 0:
        return _fallback(p, f"the LP relaxation failed ({lp.message})")
    y = lp.ineqlin.marginals if a.shape[0] else np.zeros(0)
    d, bound = _lagrangian(c, a, b, lo, hi, y)
    # a second incumbent: the LP's whole projects, then greedy on what is left
    lp_whole = lp.x[:n] > 1 - 1e-9
    if p.feasible(lp_whole | p.must):
        rounded = _greedy(p, start=lp_whole)
        if p.feasible(rounded) and p.objective(rounded) > inc_obj:
            inc, inc_obj = rounded, p.objective(rounded)
    gap = bound - inc_obj
    eps = 1e-7 * max(1.0, abs(bound))
    # fix binaries whose move off their bound would cost more than the gap
    fix = np.zeros(len(c), dtype=bool)
    fix[:n] = (np.abs(d[:n]) > gap + eps) & (lo[:n] < hi[:n])
    at = np.where(d > 0, lo, hi)
    free = ~fix
    v_fixed = np.where(fix, at, 0.0)
    b_core = b - a @ v_fixed if a.shape[0] else b
    idx = np.flatnonzero(free)
    core_x = None
    optimal, note = False, ""
    if len(idx):
        a_core = a[:, idx] if a.shape[0] else None
        integrality = (idx < n).astype(int)
        cons = [LinearConstraint(a_core, -np.inf, b_core)] if a_core is not None else []
        res = milp(c[idx], integrality=integrality, bounds=Bounds(lo[idx], hi[idx]),
                   constraints=cons,
                   options={"mip_rel_gap": 0.0, "time_limit": float(time_limit_s),
                            "presolve": True})
        if res.x is not None:
            v = v_fixed.copy()
            v[idx] = res.x
            core_x = np.round(v[:n]) > 0.5
            optimal = res.status == 0
            if res.status == 1:
                note = (f"time limit of {time_limit_s:g} s reached: best plan found, not proven "
                        f"optimal (bound {bound:.4g})")
        elif res.status != 2:  # 2 = infeasible: no plan beats the incumbent off the fixings
            return _fallback(p, f"HiGHS failed on the core ({res.message})")
        else:
            optimal = True
    else:
        core_x = v_fixed[:n] > 0.5
        optimal = True
    chosen = inc
    if core_x is not None and p.feasible(core_x) and p.objective(core_x) > inc_obj:
        chosen = core_x
    elif core_x is not None and not p.feasible(core_x):
        return _fallback(p, "the MILP answer did not pass the exact budget check")
    return Selection(chosen=chosen, objective=p.objective(chosen), method="exact",
                     optimal=optimal, greedy_objective=greedy_obj, bound=bound,
                     fixed=int(fix[:n].sum()), note=note)


def _fallback(p: _Problem, why: str) -> Selection:
    """Greedy by value per cost (the stated fallback), with the reason it was needed."""
    chosen = _greedy(p)
    obj = p.objective(chosen)
    return Selection(chosen=chosen, objective=obj, method="greedy", optimal=False,
                     greedy_objective=obj, bound=float("nan"), fixed=0,
                     note=f"greedy fallback: {why}")
