"""Many lines as one matplotlib path: a city's street network drawn in milliseconds.

A ``LineCollection`` builds one Path object per line and an ``add_patch`` walks every Bézier
piece of a path to update the axes limits; at 20,000 street segments both take seconds. One
compound path (MOVETO at each part's start) added without the limits update draws the same
picture in a few milliseconds; the caller sets the axes limits.
"""

from __future__ import annotations

import numpy as np
import shapely

__all__ = ["draw_lines", "lines_path"]


def lines_path(geoms):
    """One compound matplotlib Path of many line geometries (MOVETO at each part's start)."""
    from matplotlib.path import Path

    arr = np.asarray(geoms, dtype=object)
    if len(arr) == 0:
        return Path(np.zeros((0, 2)))
    parts = shapely.get_parts(arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))])
    if len(parts) == 0:
        return Path(np.zeros((0, 2)))
    coords, idx = shapely.get_coordinates(parts, return_index=True)
    codes = np.full(len(coords), Path.LINETO, dtype=Path.code_type)
    codes[np.r_[True, idx[1:] != idx[:-1]]] = Path.MOVETO
    return Path(coords, codes)


def draw_lines(ax, path, *, color, width: float, zorder: float = 1, **style):
    """Draw a compound line path on ``ax`` (no fill) without updating the data limits."""
    from matplotlib.patches import PathPatch

    patch = PathPatch(path, facecolor="none", edgecolor=color, linewidth=width,
                      capstyle=style.pop("capstyle", "round"), joinstyle="round",
                      zorder=zorder, **style)
    ax.add_artist(patch)
    return patch
