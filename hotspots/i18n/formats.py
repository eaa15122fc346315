"""Numbers, percentages and dates as each language writes them (pt-BR: 1.234,5 and 16/11/2026)."""

from __future__ import annotations

import datetime as _dt
import itertools
import math
import operator

from hotspots._texts import each
from hotspots.i18n.catalogue import language

__all__ = ["date_text", "fixed_texts", "number", "numbers", "percent", "signed"]


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return True


def number(value, lang: str, *, digits: int = 0, sign: bool = False,
           grouping: bool = True) -> str:
    """``value`` with ``digits`` decimals: '1,234.5' (en), '1.234,5' (pt); '–' when missing."""
    if _missing(value):
        return "–"
    v = float(value)
    spec = f"{'+' if sign else ''}{',' if grouping else ''}.{digits}f"
    out = format(v, spec)
    if out.lstrip("+-").strip("0.,") == "" and out.startswith("-"):
        out = out[1:]  # no "-0"
    if language(lang) == "pt":
        out = out.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return out


_PT = str.maketrans({",": ".", ".": ","})


def fixed_texts(values: list[float], digits: int) -> list[str]:
    """``[f"{v:.{digits}f}" for v in values]``: one ``%`` of the format repeated per value
    (``%`` formats a float exactly as ``format`` does: same rounding, 'nan', 'inf', '-0.00'),
    run in C — about twice as fast as a ``format`` call per value."""
    if not values:
        return []
    return ((f"%.{digits}f\0" * len(values)) % tuple(values))[:-1].split("\0")


def numbers(values, lang: str, *, digits: int = 0, scale: float = 1.0,
            suffix: str = "") -> list[str]:
    """Many numbers at once, as :func:`number` writes each ('' for a missing one): a column of
    a table or a KML layer without a call per cell.

    The values are formatted in C by :func:`fixed_texts` (only those of 999 or more, which
    may need a thousands separator, again by ``format``), Portuguese decimal marks are
    swapped in all texts at once (:func:`hotspots._texts.each`), and the suffix is added by
    a C-level ``map``."""
    import numpy as np

    arr = np.asarray(values, dtype=float) * scale
    ok = np.isfinite(arr)
    arr = np.where(ok, np.round(arr, digits), 0.0) + 0.0  # no "-0"
    plain = arr.tolist()
    out = fixed_texts(plain, digits)
    if not out:
        return out
    spec = f",.{digits}f"
    for i in np.flatnonzero(np.abs(arr) >= 999.0).tolist():  # below 999: no separator
        out[i] = format(plain[i], spec)
    if language(lang) == "pt":
        out = each(lambda text: text.translate(_PT), out)
    if suffix:
        out = list(map(operator.add, out, itertools.repeat(suffix)))
    for i in np.flatnonzero(~ok).tolist():
        out[i] = ""
    return out


def signed(value, lang: str, *, digits: int = 0) -> str:
    """A change with its sign: '+3', '−2' (a true minus sign), '0'."""
    if _missing(value):
        return "–"
    if round(float(value), digits) == 0:
        return number(0, lang, digits=digits)
    out = number(value, lang, digits=digits, sign=True)
    return out.replace("-", "−")


def percent(ratio, lang: str, *, digits: int = 1, sign: bool = False) -> str:
    """A ratio as a percentage: 0.123 → '12.3 %' (en), '12,3 %' (pt)."""
    if _missing(ratio):
        return "–"
    body = (signed(100 * float(ratio), lang, digits=digits) if sign
            else number(100 * float(ratio), lang, digits=digits))
    return f"{body} %"


def date_text(value, lang: str) -> str:
    """A date: '16/11/2026' (pt), '2026-11-16' (en, ISO 8601); '' when missing."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = _dt.date.fromisoformat(value[:10])
    elif hasattr(value, "date") and callable(value.date):
        value = value.date()
    return value.strftime("%d/%m/%Y") if language(lang) == "pt" else value.isoformat()
