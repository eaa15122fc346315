"""The Knox ratio heat table of a near-repeat analysis, with significance marks (matplotlib)."""

from __future__ import annotations

import io
import math

import numpy as np

from hotspots._errors import ValidationError
from hotspots.stats.near_repeat import KnoxTable
from hotspots.stats.near_repeat_text import LANGUAGES, TEXTS, format_edge, format_number

__all__ = ["knox_heatmap", "knox_heatmap_png"]


def knox_heatmap(table: KnoxTable, *, language: str = "pt", title: str | None = None):
    """A matplotlib Figure of the Knox ratios (observed / mean expected) of ``table``.

    Cells are coloured on a diverging scale centred at 1 (blue below, red above chance, up to
    max(2, the largest finite ratio)); each shows its ratio, a ● when it is significant, and the
    cells of the significant near-repeat zone are outlined. Labels follow ``language``.
    """
    if language not in LANGUAGES:
        raise ValidationError(f"knox_heatmap: language={language!r}; use one of {list(LANGUAGES)}")
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    t = TEXTS[language]
    ratio = np.asarray(table.knox_ratio, dtype=float)
    rows, cols = table.labels[language]
    finite = ratio[np.isfinite(ratio)]
    vmax = max(2.0, float(finite.max()) if len(finite) else 2.0)
    shown = np.where(np.isinf(ratio), vmax, ratio)
    masked = np.ma.masked_invalid(shown)
    fig = Figure(figsize=(1.3 + 1.25 * len(cols), 0.9 + 0.45 * len(rows)))
    ax = fig.add_subplot()
    cmap = _cmap()
    image = ax.imshow(masked, cmap=cmap, norm=TwoSlopeNorm(vmin=0.0, vcenter=1.0, vmax=vmax),
                      aspect="auto")
    for (i, j), value in np.ndenumerate(ratio):
        mark = " ●" if table.significant[i, j] else ""
        text = ("–" if math.isnan(value) else "∞" if math.isinf(value)
                else format_number(value, language, digits=2))
        light = np.isfinite(shown[i, j]) and (shown[i, j] > 1 + 0.6 * (vmax - 1)
                                              or shown[i, j] < 0.35)
        ax.text(j, i, text + mark, ha="center", va="center", fontsize=8.5,
                color="white" if light else "#222222")
    for i, j in table.zone.cells:
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=2.2, ec="#111111"))
    ax.set_xticks(range(len(cols)), cols, fontsize=8, rotation=20, ha="right")
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    ax.set_xlabel(t["time"], fontsize=9)
    ax.set_ylabel(t["distance"], fontsize=9)
    sig_alpha = format_edge(table.alpha, language)
    heading = title or t["title"]
    if table.category:
        heading = f"{heading} — {t['category']}: {table.category}"
    ax.set_title(heading, fontsize=10)
    fig.colorbar(image, ax=ax, fraction=0.05, pad=0.03)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.text(0.99, 0.01, t["legend_sig"].format(alpha=sig_alpha), ha="right", va="bottom",
             fontsize=8)
    return fig


def knox_heatmap_png(table: KnoxTable, *, language: str = "pt", dpi: int = 110,
                     title: str | None = None) -> bytes:
    """:func:`knox_heatmap` as PNG bytes (no timestamp in the metadata: same input, same bytes)."""
    fig = knox_heatmap(table, language=language, title=title)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None},
                pil_kwargs={"compress_level": 3})  # fast zlib level, same pixels
    return buf.getvalue()


def _cmap():
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list(
        "knox", ["#2166ac", "#92c5de", "#f7f7f7", "#f4a582", "#b2182b"])
