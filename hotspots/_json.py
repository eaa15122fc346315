"""Strict JSON values: what every JSON output of hotspots holds (no NaN, no Infinity)."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["strict_json"]


def strict_json(obj):
    """A copy of ``obj`` that strict JSON readers accept: NaN and ±inf become null, NumPy
    scalars plain numbers, tuples lists, paths and other objects their text."""
    if isinstance(obj, dict):
        return {str(k): strict_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [strict_json(v) for v in obj]
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        value = float(obj)
        return value if math.isfinite(value) else None
    if obj is None or isinstance(obj, str):
        return obj
    return str(obj)
