"""Figures of the intervention report (matplotlib, no tiles): map of the areas, event study, trajectories."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import shapely

__all__ = ["COLORS", "event_study_svg", "map_png", "trajectory_svg"]

COLORS = {"treated": "#c0392b", "buffer": "#e67e22", "control": "#2471a3", "other": "#c8c8c8"}


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    return fig


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buf.getvalue()
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)   # RDF boilerplate
    return text[text.index("<svg"):]


def _png(fig, dpi: int = 150) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None}, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _lines(ax, geoms, color, width, zorder):
    from matplotlib.collections import LineCollection

    coords, idx = shapely.get_coordinates(np.asarray(geoms), return_index=True)
    if len(coords) == 0:
        return
    cuts = np.flatnonzero(np.diff(idx)) + 1
    parts = np.split(coords, cuts)
    ax.add_collection(LineCollection(parts, colors=color, linewidths=width, zorder=zorder,
                                     capstyle="round"))


def _scale_bar(ax, x0, x1, y0, y1):
    span = (x1 - x0) / 4
    nice = 10 ** np.floor(np.log10(span))
    length = max(m * nice for m in (1, 2, 5) if m * nice <= span)
    bx, by = x0 + (x1 - x0) * 0.05, y0 + (y1 - y0) * 0.05
    ax.plot([bx, bx + length], [by, by], color="black", lw=2, solid_capstyle="butt", zorder=5)
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(bx + length / 2, by + (y1 - y0) * 0.015, label, ha="center", va="bottom",
            fontsize=7, zorder=5)


def _panel(ax, network, areas, bounds, title, widths):
    x0, y0, x1, y1 = bounds
    _lines(ax, network, COLORS["other"], widths[0], 1)
    for role, w, z in (("control", widths[1], 2), ("buffer", widths[2], 3),
                       ("treated", widths[3], 4)):
        _lines(ax, areas.geometry[areas["role"] == role].to_numpy(), COLORS[role], w, z)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=9)
    _scale_bar(ax, x0, x1, y0, y1)


def _padded(bounds, share=0.08):
    x0, y0, x1, y1 = bounds
    dx, dy = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    side = max(dx, dy) * (1 + 2 * share)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2


def map_png(result, t: dict) -> str:
    """Two panels: the whole city with every area, and a zoom on treated and buffer."""
    from matplotlib.lines import Line2D

    areas = result.areas
    network = result.network.to_numpy()
    fig = _figure(7.6, 3.9)
    ax1, ax2 = fig.subplots(1, 2)
    _panel(ax1, network, areas, _padded(result.network.total_bounds, 0.02), t["overview"],
           (0.3, 0.9, 0.9, 1.6))
    near = areas[areas["role"].isin(["treated", "buffer"])]
    bounds = _padded(near.total_bounds, 0.12)
    x0, y0, x1, y1 = bounds
    box = shapely.box(x0, y0, x1, y1)
    visible = result.network[result.network.intersects(box)].to_numpy()
    _panel(ax2, visible, areas, bounds, t["zoom"], (0.7, 1.6, 2.0, 3.0))
    handles = [Line2D([], [], color=COLORS[r], lw=3, label=t[r])
               for r in ("treated", "buffer", "control", "other")]
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, -0.02))
    fig.subplots_adjust(bottom=0.1, wspace=0.05)
    return _png(fig)


def event_study_svg(result, t: dict) -> str:
    """Event-study coefficients (% change vs controls) with their intervals."""
    es = result.event_study
    fig = _figure(6.4, 2.8)
    ax = fig.subplots()
    tab = es.table
    if len(tab):
        mid = (tab["week_from"] + tab["week_to"]) / 2
        est = tab["pct_change"].to_numpy(float)
        lo = tab["ci_low_pct"].to_numpy(float)
        hi = tab["ci_high_pct"].to_numpy(float)
        ref = tab["bin"].to_numpy() == -1
        ok = ~ref & np.isfinite(lo)
        ax.errorbar(mid[ok], est[ok], yerr=[est[ok] - lo[ok], hi[ok] - est[ok]], fmt="o",
                    color=COLORS["treated"], ms=4, lw=1, capsize=2)
        ax.plot(mid[ref], est[ref], "o", mfc="white", mec=COLORS["treated"], ms=5)
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(-0.5, color="grey", lw=0.8, ls="--")
    ax.set_xlabel(t["weeks_from"], fontsize=8)
    ax.set_ylabel(t["pct_axis"], fontsize=8)
    ax.tick_params(labelsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _svg(fig)


def trajectory_svg(result, t: dict) -> str:
    """Mean incidents per segment and week by area, in bins of weeks from the start."""
    tr = result.trajectory
    b = result.settings.event_bin_weeks
    fig = _figure(6.4, 2.6)
    ax = fig.subplots()
    for role in ("control", "buffer", "treated"):
        part = tr[tr["role"] == role]
        if part.empty:
            continue
        binned = part.assign(bin=np.floor_divide(part["etime"], b)).groupby("bin").apply(
            lambda g: np.average(g["mean"], weights=g["segments"]), include_groups=False)
        ax.plot(binned.index * b + (b - 1) / 2, binned.to_numpy(), marker="o", ms=3, lw=1.3,
                color=COLORS[role], label=t[role])
    ax.axvline(-0.5, color="grey", lw=0.8, ls="--")
    ax.set_xlabel(t["weeks_from"], fontsize=8)
    ax.set_ylabel(t["traj_axis"], fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _svg(fig)
