"""Figures of the weekly bulletin drawn from the data (matplotlib, no tiles, no pyplot state).

A static map of this week's hot segments (new, persistent, cooling) over the street network,
the week-by-week small multiples with a legend in the map's classes, the KDE over the streets
in the map's ramp, the weekly trend, the concentration curve and the Moran scatter plot. The
street network is one compound path (20,000 segments draw in milliseconds), shared by every
small map. Each function returns PNG or SVG bytes and takes the language of its labels.
"""

from __future__ import annotations

import io
from typing import cast

import numpy as np
import pandas as pd

from hotspots import i18n
from hotspots import symbology as sym
from hotspots.figures.paths import draw_lines, lines_path

__all__ = ["concentration_svg", "hot_map_png", "kde_png", "lines_path", "moran_png",
           "small_multiples_png", "trend_svg"]  # lines_path: from hotspots.figures.paths

BACKGROUND = "#c8c8c8"
DPI = 110
MULTIPLES_DPI = 100  #: the small multiples' resolution (their street layer is drawn at it)


def _figure(width_in: float, height_in: float, dpi: float | None = None):
    from matplotlib.figure import Figure

    return Figure(figsize=(width_in, height_in), dpi=dpi)


def _png(fig, dpi: int = DPI, *, tight: bool = True) -> bytes:
    """PNG bytes; ``tight`` crops to the drawing (one more draw: skipped for the small
    multiples, laid out by hand). Fast zlib level: line drawings compress well anyway."""
    buf = io.BytesIO()
    extra = {"bbox_inches": "tight", "pad_inches": 0.03} if tight else {}
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None},
                pil_kwargs={"compress_level": 3}, **extra)
    return buf.getvalue()


def _svg(fig) -> bytes:
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "hotspots", "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buf.getvalue()
    return text[text.index("<svg"):].encode("utf-8")


def _draw_lines(ax, path, *, color, width, zorder=1):
    draw_lines(ax, path, color=color, width=width, zorder=zorder)


def _frame(ax, bounds) -> None:
    minx, miny, maxx, maxy = bounds
    padx, pady = (maxx - minx) * 0.02 or 1.0, (maxy - miny) * 0.02 or 1.0
    ax.set_xlim(minx - padx, maxx + padx)
    ax.set_ylim(miny - pady, maxy + pady)
    ax.set_aspect("equal")
    ax.set_axis_off()


def hot_map_png(segments, *, lang: str, base=None, width_in: float = 3.6) -> bytes:
    """This week's hot segments over the street network: new, persistent and cooling (weekly
    runs), else the Gi* hot-spot classes; with a legend."""
    from matplotlib.lines import Line2D

    bounds = segments.total_bounds
    aspect = max(0.4, min(2.2, (bounds[3] - bounds[1]) / max(bounds[2] - bounds[0], 1e-9)))
    fig = _figure(width_in, width_in * aspect)
    ax = fig.add_axes((0, 0, 1, 1))
    _draw_lines(ax, base if base is not None else lines_path(segments.geometry.values),
                color=BACKGROUND, width=0.6)
    handles = []
    if "hot_status" in segments.columns:
        classes = sym.HOT_STATUS_CLASSES
        status = sym.category_index(segments["hot_status"], classes)
        labels = [i18n.text(f"bulletin.map_{c.value}", lang) for c in classes]
    else:
        classes = tuple(c for c in sym.GI_CLASSES if cast(int, c.value) > 0)
        status = (sym.category_index(segments["gi_bin"], classes) if "gi_bin" in segments
                  else np.full(len(segments), -1))
        labels = [sym.text(c.key, lang) for c in classes]
    for i, c in enumerate(classes):
        sel = status == i
        if sel.any():
            _draw_lines(ax, lines_path(segments.geometry.values[sel]), color=c.color,
                        width=2.4 if c.value != "cooling" else 1.8, zorder=3 + i)
        handles.append(Line2D([], [], color=c.color, lw=2.4,
                              label=f"{labels[i]} ({i18n.number(sel.sum(), lang)})"))
    _frame(ax, bounds)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=1,
              frameon=False, fontsize=7, handlelength=1.6)
    return _png(fig)


def small_multiples_png(segments, counts: pd.DataFrame, *, lang: str,
                        lower_bounds: tuple[int, ...] | None = None, base=None,
                        width_in: float = 7.0) -> bytes:
    """One small map per week (columns of ``counts``: segment × week, aligned to
    ``segments``): segments coloured by that week's incidents in the map's week classes,
    the other streets in grey, one legend for all.

    The panels are drawn straight on the figure (no Axes: nine of them cost more than the
    drawing), each class of each week as one compound path over the shared street network.
    """
    from matplotlib.lines import Line2D
    from matplotlib.transforms import Affine2D

    weeks = list(counts.columns)
    values = counts.reindex(segments.index).fillna(0).to_numpy(dtype=float)
    classes = sym.count_classes(values, lower_bounds=lower_bounds, lang=lang)
    ncols = 3 if len(weeks) > 4 else max(len(weeks), 1)
    nrows = int(np.ceil(len(weeks) / ncols))
    bounds = segments.total_bounds
    aspect = max(0.5, min(1.6, (bounds[3] - bounds[1]) / max(bounds[2] - bounds[0], 1e-9)))
    cell = width_in / ncols
    height_in = cell * aspect * nrows + 0.45
    fig = _figure(width_in, height_in, dpi=MULTIPLES_DPI)
    base = base if base is not None else lines_path(segments.geometry.values)
    geoms = segments.geometry.values
    gap = 0.45 / height_in
    h = (1 - gap) / nrows
    (x0, y0, x1, y1), scale = _panel_extent(bounds, cell, h * 0.9 * height_in)
    # the grey street network is the same in every panel: drawn once, pasted in each
    streets = _lines_image(base, (x0, y0, x1, y1), scale, color=BACKGROUND, width=0.35,
                           dpi=MULTIPLES_DPI)
    for k, week in enumerate(weeks):
        r, c = divmod(k, ncols)
        # the panel's box (inches) and the map centred in it at equal aspect, as an
        # equal-aspect Axes at (c / ncols, 1 - (r + 1) h, 1 / ncols, 0.9 h) would place it
        left = c * cell + (cell - (x1 - x0) * scale) / 2
        bottom = ((1 - (r + 1) * h) * height_in
                  + (h * 0.9 * height_in - (y1 - y0) * scale) / 2)
        # on whole pixels: the pasted street layer and the lines drawn over it stay aligned
        left, bottom = round(left * MULTIPLES_DPI) / MULTIPLES_DPI, \
            round(bottom * MULTIPLES_DPI) / MULTIPLES_DPI
        to_inches = (Affine2D().translate(-x0, -y0).scale(scale).translate(left, bottom)
                     + fig.dpi_scale_trans)
        fig.figimage(streets, xo=round(left * MULTIPLES_DPI),
                     yo=round(bottom * MULTIPLES_DPI), origin="upper", zorder=1)
        v = values[:, k]
        idx = sym.range_index(v, classes)
        for i, cls in enumerate(classes):
            sel = idx == i
            if sel.any():
                # snapped to the pixel grid, as short lines of a LineCollection are
                _figure_lines(fig, lines_path(geoms[sel]), to_inches, color=cls.color,
                              width=1.6, zorder=3 + i, capstyle="butt", snap=True)
        fig.text(left + (x1 - x0) * scale / 2, bottom + (y1 - y0) * scale + 1.5 / 72,
                 f"{week} ({i18n.number(v.sum(), lang)})", fontsize=7.5, ha="center",
                 va="baseline", transform=fig.dpi_scale_trans)
    handles = [Line2D([], [], color=c.color, lw=2.4, label=c.label) for c in classes]
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles) + 1, 6),
               frameon=False, fontsize=7, title=i18n.text("bulletin.multiples_legend", lang),
               title_fontsize=7)
    return _png(fig, dpi=MULTIPLES_DPI, tight=False)


def _lines_image(path, extent, scale: float, *, color, width: float, dpi: int) -> np.ndarray:
    """RGBA pixels (transparent background) of a compound line path over ``extent`` (x0, y0,
    x1, y1) at ``scale`` inches per data unit: a layer to paste with ``figimage``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import Affine2D

    x0, y0, x1, y1 = extent
    w_in, h_in = (x1 - x0) * scale, (y1 - y0) * scale
    layer = _figure(max(round(w_in * dpi), 1) / dpi, max(round(h_in * dpi), 1) / dpi, dpi=dpi)
    layer.patch.set_alpha(0.0)
    _figure_lines(layer, path, Affine2D().translate(-x0, -y0).scale(scale)
                  + layer.dpi_scale_trans, color=color, width=width, zorder=1)
    canvas = FigureCanvasAgg(layer)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def _panel_extent(bounds, width_in: float, height_in: float):
    """The data extent of a map panel (the bounds and 2 % around, as :func:`_frame`) and the
    scale (inches per data unit) that fits it in ``width_in`` × ``height_in``."""
    minx, miny, maxx, maxy = bounds
    padx, pady = (maxx - minx) * 0.02 or 1.0, (maxy - miny) * 0.02 or 1.0
    x0, x1, y0, y1 = minx - padx, maxx + padx, miny - pady, maxy + pady
    return (x0, y0, x1, y1), min(width_in / (x1 - x0), height_in / (y1 - y0))


def _figure_lines(fig, path, transform, *, color, width: float, zorder: float,
                  capstyle: str = "round", snap: bool | None = None):
    """A compound line path drawn on the figure itself through ``transform``."""
    from matplotlib.patches import PathPatch

    fig.add_artist(PathPatch(path, facecolor="none", edgecolor=color, linewidth=width,
                             capstyle=capstyle, joinstyle="round", zorder=zorder,
                             transform=transform, snap=snap))


def kde_png(kde, *, segments=None, lang: str, base=None, width_in: float = 3.4) -> bytes:
    """The density raster in the map's classes and colours, the streets over it."""
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    from hotspots.raster import valid_values

    arr = np.asarray(valid_values(kde), dtype=float)
    classes = sym.raster_classes(arr, name="kde", lang=lang)
    edges = [c.lower for c in classes] + [np.inf]
    cmap = ListedColormap([c.color for c in classes])
    tr = kde.transform
    extent = (tr.c, tr.c + tr.a * arr.shape[1], tr.f + tr.e * arr.shape[0], tr.f)
    h = abs(extent[3] - extent[2]) / max(abs(extent[1] - extent[0]), 1e-9)
    fig = _figure(width_in, width_in * max(0.5, min(2.0, h)))
    ax = fig.add_axes((0, 0, 1, 1))
    shown = np.ma.masked_where(~np.isfinite(arr) | (arr <= 0), arr)
    ax.imshow(shown, extent=extent, cmap=cmap, norm=BoundaryNorm([*edges[:-1], 1e300],
                                                                 cmap.N),
              origin="upper", alpha=sym.RASTER_OPACITY, interpolation="nearest", zorder=1)
    if segments is not None:
        _draw_lines(ax, base if base is not None else lines_path(segments.geometry.values),
                    color="#777777", width=0.4, zorder=2)
    _frame(ax, (extent[0], extent[2], extent[1], extent[3]))
    handles = [Patch(facecolor=c.color, edgecolor="#999999", label=c.label) for c in classes]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2,
              frameon=False, fontsize=6.5, title=i18n.text("bulletin.kde_units", lang),
              title_fontsize=6.5)
    return _png(fig)


def trend_svg(totals: dict[str, int], *, lang: str) -> bytes:
    """Bar chart of incidents per week, the analysed week highlighted."""
    fig = _figure(3.6, 1.9)
    ax = fig.add_subplot()
    weeks = list(totals)
    values = [totals[w] for w in weeks]
    colors = ["#9ecae1"] * (len(weeks) - 1) + ["#bd0026"]
    ax.bar(range(len(weeks)), values, color=colors)
    ax.set_xticks(range(len(weeks)), [w[-3:] for w in weeks], fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylabel(i18n.text("bulletin.count", lang), fontsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def concentration_svg(counts: pd.Series, *, lang: str) -> bytes:
    """Cumulative share of incidents against share of segments, Weisburd's 50 % band."""
    from hotspots.evaluation import WEISBURD_50, concentration_curve

    t = i18n.translator(lang, "bulletin")
    conc = concentration_curve(counts)
    fig = _figure(2.6, 2.0)
    ax = fig.add_subplot()
    curve = conc.curve
    ax.axvspan(*WEISBURD_50, color="#fdd49e", alpha=0.7, label=t("weisburd_band"))
    ax.plot(curve["share_segments"], curve["share_incidents"], color="#bd0026", lw=1.6)
    ax.plot([0, 1], [0, 1], color="#999", lw=0.8, ls="--")
    ax.axhline(0.5, color="#666", lw=0.6)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel(t("share_seg"), fontsize=7)
    ax.set_ylabel(t("share_inc"), fontsize=7)
    ax.tick_params(labelsize=6.5)
    ax.legend(loc="lower right", frameon=False, fontsize=6.5)
    return _svg(fig)


def moran_png(z: np.ndarray, lag: np.ndarray, slope: float, classes: np.ndarray, *,
              variable_label: str, lang: str) -> bytes:
    """Standardised values against their spatial lag, coloured by LISA class (in words)."""
    palette = {"HH": "#d7191c", "LL": "#2c7bb6", "HL": "#fdae61", "LH": "#abd9e9"}
    fig = _figure(2.8, 2.2)
    ax = fig.add_subplot()
    for cls in sorted(set(classes.tolist())):
        m = classes == cls
        label = (i18n.text(f"words.lisa.{cls}", lang) if i18n.has(f"words.lisa.{cls}")
                 else i18n.text("words.lisa.ns", lang))
        ax.scatter(z[m], lag[m], s=5, color=palette.get(cls, "#bbbbbb"), label=label,
                   alpha=0.8, linewidths=0, rasterized=True)
    xs = np.array([z.min(), z.max()])
    ax.plot(xs, slope * xs, color="#333", lw=1)
    ax.axhline(0, color="#999", lw=0.6)
    ax.axvline(0, color="#999", lw=0.6)
    t = i18n.translator(lang, "bulletin")
    ax.set_xlabel(t("moran_x", variable=variable_label), fontsize=7)
    ax.set_ylabel(t("lag"), fontsize=7)
    ax.tick_params(labelsize=6.5)
    ax.set_title(t("moran_i", i=i18n.number(slope, lang, digits=3)), fontsize=7.5)
    ax.legend(frameon=False, fontsize=6, loc="upper left")
    return _png(fig)
