"""House-number ranges on street lines: column conventions, checks, division on split, merging.

Two conventions are first-class:

``left_right`` (TIGER, ArcGIS locators)
    ``from_left``/``to_left``/``from_right``/``to_right``: the numbers on each side of the line,
    left and right seen walking from its first vertex to its last; ``from`` is the number at the
    first vertex. The parity of a side is read from its numbers.
``odd_even`` (ímpar/par, the usual Brazilian municipal layer)
    ``odd_from``/``odd_to``/``even_from``/``even_to``: the odd and the even numbers of the block,
    ``from`` again at the first vertex. Which side holds the even numbers is not in the data; it
    is a setting of the geocoder (``even_side``, seen walking towards increasing numbers).

Columns are found by role (:data:`RANGE_ALIASES`, case-insensitive) or mapped explicitly
(``{"odd_from": "NUM_IMPAR_INI", ...}``). Ranges are divided in proportion to length when a line
is split (:func:`split_ranges`) and merged per side, min/max, when pieces are joined
(:func:`merge_range_columns`); :func:`side_ranges` lists each side with what is wrong with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from hotspots._errors import ValidationError

__all__ = [
    "CONVENTIONS",
    "LEFT_RIGHT",
    "ODD_EVEN",
    "RANGE_ALIASES",
    "RANGE_FLAGS",
    "RangeColumns",
    "SideRanges",
    "carried_range_columns",
    "divide_piece_ranges",
    "find_range_columns",
    "flag_overlaps",
    "flip_range_columns",
    "merge_range_columns",
    "merge_ranges",
    "piece_fractions",
    "side_ranges",
    "split_range_columns",
    "split_ranges",
]

#: the two range conventions
CONVENTIONS = ("left_right", "odd_even")
#: roles of the left/right convention (TIGER names; also the column names ``build_segments`` keeps)
LEFT_RIGHT = ("from_left", "to_left", "from_right", "to_right")
#: roles of the odd/even (ímpar/par) convention
ODD_EVEN = ("odd_from", "odd_to", "even_from", "even_to")

#: column names recognised for each role when no mapping is given (compared case-insensitively)
RANGE_ALIASES: dict[str, tuple[str, ...]] = {
    "from_left": ("from_left", "fromleft", "l_f_add", "lfromadd", "left_from", "esq_ini",
                  "num_esq_ini", "ini_esq", "inicio_esq", "nr_esq_ini", "esquerda_ini"),
    "to_left": ("to_left", "toleft", "l_t_add", "ltoadd", "left_to", "esq_fim", "num_esq_fim",
                "fim_esq", "final_esq", "nr_esq_fim", "esquerda_fim"),
    "from_right": ("from_right", "fromright", "r_f_add", "rfromadd", "right_from", "dir_ini",
                   "num_dir_ini", "ini_dir", "inicio_dir", "nr_dir_ini", "direita_ini"),
    "to_right": ("to_right", "toright", "r_t_add", "rtoadd", "right_to", "dir_fim",
                 "num_dir_fim", "fim_dir", "final_dir", "nr_dir_fim", "direita_fim"),
    "odd_from": ("odd_from", "impar_ini", "num_impar_ini", "nr_impar_ini", "ini_impar",
                 "impar_inicial", "imp_ini", "numimparini", "impar_inicio", "n_impar_ini"),
    "odd_to": ("odd_to", "impar_fim", "num_impar_fim", "nr_impar_fim", "fim_impar",
               "impar_final", "imp_fim", "numimparfim", "n_impar_fim"),
    "even_from": ("even_from", "par_ini", "num_par_ini", "nr_par_ini", "ini_par", "par_inicial",
                  "numparini", "par_inicio", "n_par_ini"),
    "even_to": ("even_to", "par_fim", "num_par_fim", "nr_par_fim", "fim_par", "par_final",
                "numparfim", "n_par_fim"),
}

#: what can be wrong with one side's range (see :func:`side_ranges` and :func:`flag_overlaps`)
RANGE_FLAGS = {
    "missing": "no numbers on this side (both ends empty or 0)",
    "zero_end": "one end is empty, or 0 facing an odd number (e.g. 1205→0); 0→98 is a range",
    "mixed_parity": "the two ends have different parity (e.g. 101→200)",
    "wrong_parity": "odd column holding even numbers, or the reverse",
    "reversed": "the two sides of the block run in opposite directions; this one spans more",
    "overlaps": "the range swallows the ranges of two or more other blocks of the street",
}

_EPS = 1e-9


@dataclass(frozen=True)
class RangeColumns:
    """Which columns hold the house-number ranges, and in which convention."""

    convention: str  #: "left_right" or "odd_even"
    columns: tuple[tuple[str, str], ...]  #: (role, column) for the four roles

    @property
    def mapping(self) -> dict[str, str]:
        """Role → column name."""
        return dict(self.columns)

    @property
    def names(self) -> list[str]:
        """The four column names in role order."""
        return [c for _, c in self.columns]

    def sides(self) -> list[tuple[str, str, str]]:
        """(side name, from column, to column) for both sides."""
        m = self.mapping
        if self.convention == "left_right":
            return [("left", m["from_left"], m["to_left"]),
                    ("right", m["from_right"], m["to_right"])]
        return [("odd", m["odd_from"], m["odd_to"]), ("even", m["even_from"], m["even_to"])]


def find_range_columns(
    columns: Iterable[str],
    *,
    convention: str = "auto",
    mapping: Mapping[str, str] | None = None,
) -> RangeColumns | None:
    """The range columns among ``columns`` (None when there are none).

    ``mapping`` (role → column) names them explicitly; it may be partial, the other roles are then
    looked up in :data:`RANGE_ALIASES`. ``convention`` is "auto" (whichever convention has all four
    roles; left/right first), "left_right", "odd_even" or "none". A set with some roles found and
    others missing is an error (a layer with half its ranges is a mapping mistake).
    """
    if convention not in {"auto", "none", *CONVENTIONS}:
        raise ValidationError(f"range convention {convention!r}: use 'auto', 'none', "
                              "'left_right' or 'odd_even'")
    if convention == "none":
        return None
    cols = [str(c) for c in columns]
    lower = {c.lower(): c for c in cols}
    mapping = dict(mapping or {})
    unknown = [r for r in mapping if r not in (*LEFT_RIGHT, *ODD_EVEN)]
    missing = [f"{r} → {c!r}" for r, c in mapping.items() if r not in unknown and c not in cols]
    problems = []
    if unknown:
        problems.append(f"unknown range roles {unknown}; roles are {list(LEFT_RIGHT)} "
                        f"(left/right) or {list(ODD_EVEN)} (odd/even)")
    if missing:
        problems.append(f"mapped range columns not found: {', '.join(missing)}")
    if problems:
        raise ValidationError("address ranges: " + "; ".join(problems)
                              + f". Columns are {cols}")
    if mapping and convention == "auto":
        convention = "odd_even" if any(r in ODD_EVEN for r in mapping) else "left_right"
    order = [convention] if convention != "auto" else list(CONVENTIONS)
    partial = []
    for conv in order:
        roles = LEFT_RIGHT if conv == "left_right" else ODD_EVEN
        found = {}
        for role in roles:
            if role in mapping:
                found[role] = mapping[role]
                continue
            hit = next((lower[a] for a in RANGE_ALIASES[role] if a in lower), None)
            if hit is not None:
                found[role] = hit
        if len(found) == 4:
            return RangeColumns(conv, tuple((r, found[r]) for r in roles))
        if found:
            partial.append((conv, found, [r for r in roles if r not in found]))
    if partial or convention != "auto":
        detail = "; ".join(f"{conv}: found {found}, missing roles {miss}"
                           for conv, found, miss in partial) or "no range column found"
        if partial or mapping:
            raise ValidationError(
                f"address ranges ({convention}): {detail}. Map every role, e.g. "
                "range_columns = {odd_from = \"NUM_IMPAR_INI\", odd_to = \"NUM_IMPAR_FIM\", "
                "even_from = \"NUM_PAR_INI\", even_to = \"NUM_PAR_FIM\"}")
    return None


def _present(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which ends hold a number: positive, or 0 facing a positive even end (TIGER's 0→98);
    a 0 facing an odd end (1205→0) or nothing is an empty end."""
    with np.errstate(invalid="ignore"):
        pos_s = np.isfinite(start) & (start > 0)
        pos_e = np.isfinite(end) & (end > 0)
        even_s = pos_s & (np.mod(start, 2) == 0)
        even_e = pos_e & (np.mod(end, 2) == 0)
    return pos_s | ((start == 0) & even_e), pos_e | ((end == 0) & even_s)


def _numeric(values) -> np.ndarray:
    return pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce").to_numpy(
        dtype=float)


# --- division when a line is split ----------------------------------------------------------


def split_ranges(start, end, frac_start, frac_end) -> tuple[np.ndarray, np.ndarray]:
    """Divide ranges ``start → end`` among pieces covering ``[frac_start, frac_end]`` of the line.

    Fractions are of the line's length from its first vertex; consecutive pieces must share
    their boundary fraction exactly. Numbers keep the parity of the range (step 2 when both ends
    have the same parity, else 1); a boundary at number value *b* ends one piece at the largest
    number ≤ *b* and starts the next one step later, so pieces never share or lose a number.
    A piece too short to hold a number gets NaN. A range with an empty end (or a 0 facing an odd
    number: 1205→0) cannot be divided: the piece at the known end keeps it as it is (for the
    checks to see) and the others get NaN; 0 → 0 (no numbers) is kept by every piece.
    """
    start, end = _numeric(start), _numeric(end)
    f0 = np.asarray(frac_start, dtype=float)
    f1 = np.asarray(frac_end, dtype=float)
    new_s = np.full(len(start), np.nan)
    new_e = np.full(len(start), np.nan)
    first = f0 <= _EPS
    last = f1 >= 1 - _EPS
    pos_s, pos_e = _present(start, end)
    both = pos_s & pos_e
    step = np.where(np.mod(start, 2) == np.mod(end, 2), 2.0, 1.0)
    span = end - start
    sign = np.sign(span)
    with np.errstate(invalid="ignore"):
        u0 = np.floor(np.abs(span) * f0 / step + _EPS)
        u1 = np.floor(np.abs(span) * f1 / step + _EPS)
    s = np.where(first, start, start + sign * step * (u0 + 1))
    e = np.where(last, end, start + sign * step * u1)
    nonempty = (e - s) * sign >= 0
    div = both & (sign != 0) & nonempty
    new_s[div], new_e[div] = s[div], e[div]
    # a single number (start == end) goes to the piece holding the middle of the line
    single = both & (sign == 0) & (f0 <= 0.5 + _EPS) & ((f1 > 0.5) | last)
    new_s[single], new_e[single] = start[single], end[single]
    # one known end: kept on the piece at that end
    keep_first = pos_s & ~pos_e & first
    keep_last = ~pos_s & pos_e & last
    keep = keep_first | keep_last
    new_s[keep], new_e[keep] = start[keep], end[keep]
    zero = (start == 0) & (end == 0)
    new_s[zero], new_e[zero] = 0.0, 0.0
    return new_s, new_e


def split_range_columns(values: pd.DataFrame, spec: RangeColumns, frac_start, frac_end
                        ) -> pd.DataFrame:
    """:func:`split_ranges` on both sides of ``values`` (one row per piece, the line's ranges)."""
    out = pd.DataFrame(index=values.index)
    for _, a, b in spec.sides():
        out[a], out[b] = split_ranges(values[a].to_numpy(), values[b].to_numpy(),
                                      frac_start, frac_end)
    return out


# --- merging consecutive pieces --------------------------------------------------------------


def merge_ranges(start, end, group, *, order=None) -> pd.DataFrame:
    """One range per group from the ranges of its pieces: min and max of their numbers.

    ``start``/``end`` are each piece's range oriented along the merged line; ``order`` is the
    piece's position along it (default: row order). The merged range runs from the min to the
    max when the pieces' numbers increase along the line (the sum of their directions, else the
    first piece's start against the last piece's end), from the max to the min otherwise. Zeros
    and empty values are left out; a group with no number gets NaN (0 → 0 if all were 0 → 0).
    A group of one piece keeps its range as written. Returns a frame indexed by group with
    ``start`` and ``end``.
    """
    start, end = _numeric(start), _numeric(end)
    group = np.asarray(group)
    order = np.arange(len(start)) if order is None else np.asarray(order)
    frame = pd.DataFrame({"g": group, "o": order, "s": start, "e": end})
    frame = frame.sort_values(["g", "o"], kind="stable")
    ps, pe = _present(frame["s"].to_numpy(), frame["e"].to_numpy())
    s = frame["s"].where(ps)
    e = frame["e"].where(pe)
    frame["lo"] = np.fmin(s, e)
    frame["hi"] = np.fmax(s, e)
    frame["dir"] = np.sign((e - s).fillna(0.0))
    frame["s_ok"], frame["e_ok"] = s, e
    frame["zero"] = (frame["s"] == 0) & (frame["e"] == 0)
    g = frame.groupby("g", sort=True)
    lo, hi, dsum = g["lo"].min(), g["hi"].max(), g["dir"].sum()
    first_s = g["s_ok"].first()  # first / last non-empty value in the pieces' order
    last_e = g["e_ok"].last()
    increasing = np.where(dsum != 0, dsum > 0, ~(first_s > last_e))
    zero = g["zero"].all()
    out = pd.DataFrame({"start": np.where(increasing, lo, hi), "end": np.where(increasing, hi, lo)},
                       index=lo.index)
    out.loc[zero.to_numpy() & out["start"].isna().to_numpy(), ["start", "end"]] = 0.0
    # a segment of one piece keeps its range as written (invalid ends stay visible to checks)
    one = (g.size() == 1).to_numpy()
    out.loc[one, "start"] = g["s"].first().to_numpy()[one]
    out.loc[one, "end"] = g["e"].first().to_numpy()[one]
    out.index.name = None
    return out


def flip_range_columns(values: pd.DataFrame, spec: RangeColumns, flipped) -> pd.DataFrame:
    """The ranges of lines reversed where ``flipped``: ``from`` and ``to`` swapped and, for the
    left/right convention, the left side becoming the right one."""
    flipped = np.asarray(flipped, dtype=bool)
    out = pd.DataFrame({c: _numeric(values[c]) for c in spec.names}, index=values.index)
    src = {c: out[c].to_numpy().copy() for c in spec.names}
    m = spec.mapping
    if spec.convention == "left_right":
        pairs = {m["from_left"]: m["to_right"], m["to_left"]: m["from_right"],
                 m["from_right"]: m["to_left"], m["to_right"]: m["from_left"]}
    else:
        pairs = {m["odd_from"]: m["odd_to"], m["odd_to"]: m["odd_from"],
                 m["even_from"]: m["even_to"], m["even_to"]: m["even_from"]}
    for col, other in pairs.items():
        out[col] = np.where(flipped, src[other], src[col])
    return out


def merge_range_columns(values: pd.DataFrame, spec: RangeColumns, group, *, order=None,
                        flipped=None) -> pd.DataFrame:
    """Merge the ranges of consecutive pieces (rows of ``values``) into one row per ``group``.

    ``flipped`` marks pieces digitised against the merged line: their ``from``/``to`` are
    swapped, and for the left/right convention also their sides. Returns the four range columns
    indexed by group (see :func:`merge_ranges` for the rule).
    """
    oriented = flip_range_columns(values, spec, flipped) if flipped is not None else values
    parts = {}
    for _, a, b in spec.sides():
        merged = merge_ranges(oriented[a].to_numpy(), oriented[b].to_numpy(), group, order=order)
        parts[a], parts[b] = merged["start"], merged["end"]
    return pd.DataFrame(parts)[spec.names]


# --- checks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SideRanges:
    """Both sides of every segment (row ``2i`` and ``2i+1`` for segment row ``i``), checked."""

    seg: np.ndarray  #: row of the segment
    side_name: np.ndarray  #: "left"/"right" or "odd"/"even"
    start: np.ndarray  #: number at the segment's first vertex (float, NaN if empty)
    end: np.ndarray  #: number at the last vertex
    parity: np.ndarray  #: 0 even, 1 odd, −1 both (mixed ends)
    side: np.ndarray  #: +1 left, −1 right (of the digitised direction), 0 not in the data
    flags: dict[str, np.ndarray]  #: RANGE_FLAGS name → bool per side

    @property
    def lo(self) -> np.ndarray:
        return np.fmin(self.start, self.end)

    @property
    def hi(self) -> np.ndarray:
        return np.fmax(self.start, self.end)

    @property
    def usable(self) -> np.ndarray:
        """Sides with no flag at all (the ones a geocoder may trust)."""
        bad = np.zeros(len(self.seg), bool)
        for v in self.flags.values():
            bad |= v
        return ~bad

    def counts(self) -> dict[str, int]:
        """How many sides carry each flag."""
        return {k: int(v.sum()) for k, v in self.flags.items()}


def side_ranges(values: pd.DataFrame, spec: RangeColumns) -> SideRanges:
    """Both sides of each row with their parity, side and flags (all but ``overlaps``).

    ``reversed`` marks, when both sides of a block have a span and they run in opposite
    directions, the side with the larger span (both when equal): numbers increase the same way
    on both sides of a street, so one of them is a typing error.
    """
    n = len(values)
    sides = spec.sides()
    start = np.empty(2 * n)
    end = np.empty(2 * n)
    for k, (_, a, b) in enumerate(sides):
        start[k::2] = _numeric(values[a])
        end[k::2] = _numeric(values[b])
    seg = np.repeat(np.arange(n), 2)
    name = np.tile(np.array([s[0] for s in sides], dtype=object), n)
    pos_s, pos_e = _present(start, end)
    missing = ~pos_s & ~pos_e
    zero_end = pos_s ^ pos_e
    both = pos_s & pos_e
    ps, pe = np.mod(start, 2), np.mod(end, 2)
    mixed = both & (ps != pe)
    parity = np.where(both & ~mixed, ps, np.where(pos_s, ps, np.where(pos_e, pe, -1)))
    parity = np.where(mixed, -1, parity).astype(np.int8)
    wrong = np.zeros(2 * n, bool)
    if spec.convention == "odd_even":
        want = np.tile(np.array([1, 0]), n)
        wrong = (parity >= 0) & (parity != want) & ~missing
        side = np.zeros(2 * n, dtype=np.int8)
    else:
        side = np.tile(np.array([1, -1], dtype=np.int8), n)
    d = np.where(both, np.sign(end - start), 0.0).reshape(n, 2)
    w = np.where(both, np.abs(end - start), 0.0).reshape(n, 2)
    opposite = (d[:, 0] * d[:, 1]) < 0
    rev = np.zeros((n, 2), bool)
    rev[:, 0] = opposite & (w[:, 0] >= w[:, 1])
    rev[:, 1] = opposite & (w[:, 1] >= w[:, 0])
    flags = {"missing": missing, "zero_end": zero_end, "mixed_parity": mixed,
             "wrong_parity": wrong, "reversed": rev.ravel(),
             "overlaps": np.zeros(2 * n, bool)}
    return SideRanges(seg=seg, side_name=name, start=start, end=end, parity=parity, side=side,
                      flags=flags)


def flag_overlaps(sides: SideRanges, street: np.ndarray, *, min_swallowed: int = 2
                  ) -> SideRanges:
    """Add the ``overlaps`` flag: ranges holding the middles of ``min_swallowed`` or more
    other segments' ranges of the same street and parity.

    ``street`` is the street (connected same-name group) of each segment row, −1 for none.
    Only sides without other flags are compared (an invalid range is not evidence).
    """
    street = np.asarray(street)[sides.seg]
    ok = sides.usable & (street >= 0)
    lo, hi = sides.lo, sides.hi
    mid = (lo + hi) / 2
    code = street.astype(np.int64) * 2 + np.clip(sides.parity, 0, 1)
    scale = 4.0e6
    key_mid = code[ok] * scale + np.clip(mid[ok], 0, 1e6)
    order = np.sort(key_mid)
    klo = code * scale + np.clip(lo, 0, 1e6)
    khi = code * scale + np.clip(hi, 0, 1e6)
    inside = (np.searchsorted(order, khi, side="left")
              - np.searchsorted(order, klo, side="right"))
    # the side's own middle lies strictly inside its range unless the range is one number
    own = (hi > lo).astype(np.int64)
    swallowed = np.where(ok, inside - own, 0)
    flags = dict(sides.flags)
    flags["overlaps"] = ok & (swallowed >= min_swallowed)
    return SideRanges(seg=sides.seg, side_name=sides.side_name, start=sides.start,
                      end=sides.end, parity=sides.parity, side=sides.side, flags=flags)


# --- ranges of a street layer cut into pieces ------------------------------------------------


def carried_range_columns(columns, keep_columns=(), mapping: Mapping[str, str] | None = None
                          ) -> RangeColumns | None:
    """The range columns a street layer carries into its pieces: the left/right ones, those
    among ``keep_columns`` with a usual name, or ``mapping``'s (None when there are none)."""
    present = [c for c in (*LEFT_RIGHT, *keep_columns, *(mapping or {}).values())
               if c in columns]
    if not (mapping or any(c in columns for c in LEFT_RIGHT) or keep_columns):
        return None
    return find_range_columns(list(dict.fromkeys(present)), mapping=mapping)


def divide_piece_ranges(values: pd.DataFrame, spec: RangeColumns, pieces, piece_src, sources
                        ) -> pd.DataFrame:
    """Each piece's share of its source line's ranges (``values``: the line's ranges copied to
    each piece), in proportion to length (:func:`split_ranges`), oriented like the piece."""
    frac0, frac1, against = piece_fractions(pieces, piece_src, sources)
    divided = split_range_columns(values.reset_index(drop=True), spec, frac0, frac1)
    if against.any():  # planar noding may return a piece reversed
        divided = flip_range_columns(divided, spec, against)
    return divided


def piece_fractions(pieces, piece_src, sources) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Share of its source line's length before each piece's start and end (exactly shared
    between consecutive pieces: cumulative lengths of the pieces in order along the line), and
    whether the piece runs against its source line (``sources[piece_src]``)."""
    length = shapely.length(pieces)
    mid = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
    along = shapely.line_locate_point(sources[piece_src], mid)
    order = np.lexsort((along, piece_src))
    src = piece_src[order]
    cum = np.cumsum(length[order])
    new_line = np.append(True, src[1:] != src[:-1])
    before = np.concatenate([[0.0], cum])[np.searchsorted(src, src, side="left")]
    c_end = cum - before
    c_start = np.where(new_line, 0.0, np.concatenate([[0.0], c_end[:-1]]))
    total = c_end[np.append(np.flatnonzero(new_line)[1:], len(src)) - 1]
    total = np.repeat(total, np.diff(np.append(np.flatnonzero(new_line), len(src))))
    total[total <= 0] = 1.0
    f0 = np.empty(len(pieces))
    f1 = np.empty(len(pieces))
    f0[order] = c_start / total
    f1[order] = np.where(np.append(src[1:] != src[:-1], True), 1.0, c_end / total)
    a = shapely.line_locate_point(sources[piece_src], shapely.get_point(pieces, 0))
    b = shapely.line_locate_point(sources[piece_src], shapely.get_point(pieces, -1))
    against = (b < a) & ~shapely.is_closed(pieces)
    return f0, f1, against
