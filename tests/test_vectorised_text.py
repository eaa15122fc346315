"""The vectorised text writers give exactly what their per-item versions gave.

Each reference below is the per-value code the writer used before it was vectorised (kept
here, not in the package), run on awkward input: missing values, negative zero, rounding
ties, non-ASCII, XML special characters, empty and multi-part geometries.
"""

from __future__ import annotations

import numpy as np
import pytest

from hotspots import i18n
from hotspots.i18n.catalogue import language

AWKWARD = [0.0, -0.0, -0.004, 0.5, 1.5, 2.5, -2.5, 0.125, 0.375, 1 / 128, -1 / 128, 1e-7,
           -1e-7, 1234.5, -1234.5, 1234567.891, 1e15, -1e21, 0.045, 0.055, float("nan"),
           float("inf"), float("-inf"), 99.995, 0.0005, 0.9995, 2**-20]


def _numbers_reference(values, lang, *, digits=0, scale=1.0, suffix=""):
    arr = np.asarray(values, dtype=float) * scale
    ok = np.isfinite(arr)
    arr = np.where(ok, np.round(arr, digits), 0.0) + 0.0
    spec = f",.{digits}f"
    out = [format(v, spec) for v in arr.tolist()]
    if language(lang) == "pt":
        out = [x.translate(str.maketrans({",": ".", ".": ","})) for x in out]
    return [x + suffix if good else "" for x, good in zip(out, ok.tolist())]


@pytest.mark.parametrize("lang", ["en", "pt"])
@pytest.mark.parametrize("digits", [0, 1, 2, 3])
@pytest.mark.parametrize(("scale", "suffix"), [(1.0, ""), (100.0, " %"), (1.0, " m²,.")])
def test_numbers_as_one_value_at_a_time(lang, digits, scale, suffix):
    rng = np.random.default_rng(digits)
    values = np.r_[AWKWARD, rng.normal(0, 1e4, 500), np.round(rng.normal(0, 10, 200), 3)]
    got = i18n.numbers(values, lang, digits=digits, scale=scale, suffix=suffix)
    assert got == _numbers_reference(values, lang, digits=digits, scale=scale, suffix=suffix)
    assert i18n.numbers([], lang, digits=digits, suffix=suffix) == []
    assert i18n.numbers([float("nan")] * 3, lang, suffix=suffix) == ["", "", ""]
