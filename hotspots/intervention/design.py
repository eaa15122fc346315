"""The study design in time: cohorts of start weeks, their windows, and the stacked panel of clean comparisons.

Staggered starts are handled by *stacking* (Cengiz, Dube, Lindner & Zipperer 2019, QJE
134:1405–1454): one sub-experiment per cohort (segments whose intervention starts in the same
week) holding that cohort's treated and buffer segments and clean controls only — the matched
never-exposed controls, plus segments of later cohorts while they are not yet exposed (not yet
treated nor next to a treated segment). Already-treated segments are never controls, so the
"forbidden comparisons" that bias two-way fixed effects under staggered adoption with effects
that change over time (Goodman-Bacon 2021) cannot happen. Each stack keeps its own segment and
week fixed effects; standard errors are clustered by segment because a segment can appear in
several stacks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CohortWindow", "StackedRows", "cohort_windows", "stacked_rows"]

#: roles of a row in a stack
CONTROL, TREATED, BUFFER = 0, 1, 2


@dataclass(frozen=True)
class CohortWindow:
    """Weeks (positions in the panel) of one cohort's sub-experiment.

    ``first``…``last`` (inclusive) is the model window; ``pre`` and ``post`` are [a, b) week
    ranges of the whole before and after periods (after the implementation weeks);
    ``classic_pre``/``classic_post`` those of the WDQ/WDD (equal lengths when asked).
    """

    cohort: int
    first: int
    last: int
    pre: tuple[int, int]
    post: tuple[int, int]
    classic_pre: tuple[int, int]
    classic_post: tuple[int, int]
    n_treated: int
    n_buffer: int


@dataclass(frozen=True)
class StackedRows:
    """Long arrays of the stacked panel: one row per (stack, segment, week) kept.

    ``seg`` is the segment position, ``week`` the week position, ``stack`` the index in the
    list of cohort windows, ``role`` CONTROL/TREATED/BUFFER and ``etime`` the week minus the
    cohort's start week.
    """

    seg: np.ndarray
    week: np.ndarray
    stack: np.ndarray
    role: np.ndarray
    etime: np.ndarray

    def select(self, mask: np.ndarray) -> StackedRows:
        """The rows where ``mask`` is true."""
        return StackedRows(self.seg[mask], self.week[mask], self.stack[mask], self.role[mask],
                           self.etime[mask])

    def fixed_effects(self, n_weeks: int, n_segments: int) -> list[np.ndarray]:
        """Codes of the stack × segment and stack × week fixed effects."""
        return [self.stack * n_segments + self.seg, self.stack * n_weeks + self.week]


def cohort_windows(
    treat_week: np.ndarray,
    spill_week: np.ndarray,
    end_week: np.ndarray,
    n_weeks: int,
    *,
    pre_weeks: int,
    post_weeks: int,
    implementation_weeks: int,
    equal_periods: bool,
) -> tuple[list[CohortWindow], list[tuple[int, str]]]:
    """The window of every cohort that has at least 2 weeks before and 1 week after its start.

    ``end_week`` is the last week of each treated segment's intervention (NaN: still on); a
    cohort's window ends at the latest end among its segments. Returns the windows and the
    cohorts left out with the reason ("no_pre" or "no_post").
    """
    cohorts = np.unique(treat_week[~np.isnan(treat_week)]).astype(int)
    out: list[CohortWindow] = []
    skipped: list[tuple[int, str]] = []
    for g in cohorts:
        members = treat_week == g
        first = max(0, g - pre_weeks)
        last = min(n_weeks - 1, g + implementation_weeks + post_weeks - 1)
        ends = end_week[members]
        if np.all(~np.isnan(ends)):
            last = min(last, int(ends.max()))
        pre = (first, min(g, n_weeks))
        post = (g + implementation_weeks, last + 1)
        if pre[1] - pre[0] < 2:
            skipped.append((int(g), "no_pre"))
            continue
        if post[1] - post[0] < 1:
            skipped.append((int(g), "no_post"))
            continue
        if equal_periods:
            n = min(pre[1] - pre[0], post[1] - post[0])
            c_pre, c_post = (g - n, g), (post[0], post[0] + n)
        else:
            c_pre, c_post = pre, post
        out.append(CohortWindow(
            cohort=int(g), first=first, last=last, pre=pre, post=post, classic_pre=c_pre,
            classic_post=c_post, n_treated=int(members.sum()),
            n_buffer=int((np.isnan(treat_week) & (spill_week == g)).sum())))
    return out, skipped


def stacked_rows(
    windows: list[CohortWindow],
    treat_week: np.ndarray,
    spill_week: np.ndarray,
    end_week: np.ndarray,
    controls: np.ndarray,
    *,
    implementation_weeks: int,
) -> StackedRows:
    """The rows of every cohort's sub-experiment (see the module docstring for who is in it).

    ``controls`` are the positions of the never-exposed control segments. A treated segment's
    rows after its own end and its pre-period weeks already next to an earlier cohort are left
    out; treated and buffer rows of the implementation weeks are left out.
    """
    exposed_at = np.fmin(treat_week, spill_week)  # first week of any exposure
    parts = []
    for s, win in enumerate(windows):
        g = win.cohort
        weeks = np.arange(win.first, win.last + 1)
        treated = np.flatnonzero(treat_week == g)
        buffer = np.flatnonzero(np.isnan(treat_week) & (spill_week == g))
        later = np.flatnonzero(exposed_at > g)
        for units, role in ((treated, TREATED), (buffer, BUFFER), (controls, CONTROL),
                            (later, CONTROL)):
            if len(units) == 0:
                continue
            seg = np.repeat(units, len(weeks))
            wk = np.tile(weeks, len(units))
            keep = np.ones(len(seg), dtype=bool)
            if role in (TREATED, BUFFER):
                keep &= ~((wk >= g) & (wk < g + implementation_weeks))
            if role == TREATED:
                sw = spill_week[seg]
                keep &= ~((sw < g) & (wk >= sw) & (wk < g))  # pre-period already spilled on
                ew = end_week[seg]
                keep &= np.isnan(ew) | (wk <= ew)
            if units is later:
                keep &= wk < exposed_at[seg]
            seg, wk = seg[keep], wk[keep]
            parts.append((seg, wk, np.full(len(seg), s), np.full(len(seg), role), wk - g))
    if not parts:
        empty = np.empty(0, dtype=np.int64)
        return StackedRows(empty, empty, empty, empty, empty)
    cols = [np.concatenate([p[i] for p in parts]).astype(np.int64) for i in range(5)]
    return StackedRows(*cols)
