"""The map of a patrol card: one shift's segments, numbered, over the streets around them.

Drawn from the data with matplotlib (no tiles): the streets within a few hundred metres of the
shift's segments in grey with their names, the shift's segments thick in the shift's colour
with their rank in a circle, near-repeat risk zones dashed, a scale bar and north arrow.
"""

from __future__ import annotations

import io
import math

import geopandas as gpd
import shapely

from hotspots import i18n
from hotspots.figures.paths import draw_lines, lines_path

__all__ = ["shift_map_png"]

ZONE_COLOR = "#7b3294"


def _labels(anchors, names: list[str], ax, box) -> None:
    """Street names in the map (:func:`hotspots.maps.base.label_anchors`): the longest
    streets first, none closer than a few percent of the map to one already placed."""
    inside = _inside(anchors, box)
    if inside is None:
        return
    minx, miny, maxx, maxy = box.bounds
    span = max(maxx - minx, maxy - miny)
    placed: list[tuple[float, float]] = []
    gap = 0.07 * span
    for x, y, angle, name in zip(inside["x"].tolist()[:200], inside["y"].tolist()[:200],
                                 inside["angle"].tolist()[:200], inside["name"].tolist()[:200]):
        if any(math.hypot(x - px, y - py) < gap for px, py in placed) or len(placed) >= 40:
            continue
        placed.append((x, y))
        ax.text(x, y, names[int(name)], fontsize=6.5, color="#4a4a4a", rotation=-angle,
                rotation_mode="anchor", ha="center", va="center", zorder=4, style="italic",
                bbox={"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none",
                      "alpha": 0.75})


def _inside(anchors, box):
    """The label anchors a card's map considers (None when there are none)."""
    if anchors is None or not len(anchors):
        return None
    minx, miny, maxx, maxy = box.bounds
    span = max(maxx - minx, maxy - miny)
    return anchors[(anchors["x"] > minx) & (anchors["x"] < maxx) & (anchors["y"] > miny)
                   & (anchors["y"] < maxy) & (anchors["length"] >= max(60.0, 0.08 * span))]


def shift_map_png(segments: gpd.GeoDataFrame, shift: gpd.GeoDataFrame, *, color: str,
                  lang: str, zones: gpd.GeoDataFrame | None = None, margin_m: float = 250.0,
                  width_in: float = 6.8, height_in: float = 4.6, labels=None) -> bytes:
    """PNG of one shift's segments (``shift``: geometry and ``shift_rank``) over the streets
    of ``segments`` around them; ``zones`` (optional) are near-repeat risk segments;
    ``labels`` the street-name anchors of ``segments`` (computed once for every card)."""
    from matplotlib.figure import Figure

    crs = segments.crs
    shift = shift.to_crs(crs)
    minx, miny, maxx, maxy = shift.total_bounds
    pad = max(margin_m, 0.12 * max(maxx - minx, maxy - miny))
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    # the map's shape: grow the short side so the frame fills the card
    want = width_in / height_in
    w, h = maxx - minx, maxy - miny
    if w / h < want:
        extra = (h * want - w) / 2
        minx, maxx = minx - extra, maxx + extra
    else:
        extra = (w / want - h) / 2
        miny, maxy = miny - extra, maxy + extra
    box = shapely.box(minx, miny, maxx, maxy)
    near = segments[shapely.intersects(segments.geometry.values, box)]
    z = None
    if zones is not None and len(zones):
        z = zones.to_crs(crs)
        z = z[shapely.intersects(z.geometry.values, box)]
    if labels is None:
        from hotspots.maps.base import label_anchors

        labels = label_anchors(segments, spacing_m=1e9)
    fig = Figure(figsize=(width_in, height_in))
    ax = fig.add_axes((0, 0, 1, 1))
    draw_lines(ax, lines_path(near.geometry.values), color="#bdbdbd", width=1.6, zorder=1)
    if z is not None and len(z):
        draw_lines(ax, lines_path(z.geometry.values), color=ZONE_COLOR, width=3.2,
                   zorder=2, linestyle=(0, (3, 2)))
    _labels(labels[0], labels[1], ax, box)
    draw_lines(ax, lines_path(shift.geometry.values), color=color, width=5.5, zorder=5)
    for _, row in shift.iterrows():
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        pt = (shapely.line_interpolate_point(shapely.line_merge(geom), 0.5, normalized=True)
              if geom.geom_type != "Point" else geom)
        if pt.is_empty:
            pt = geom.representative_point()
        ax.text(pt.x, pt.y, str(int(row["shift_rank"])), fontsize=9, fontweight="bold",
                color="white", ha="center", va="center", zorder=7,
                bbox={"boxstyle": "circle,pad=0.25", "fc": "#222222", "ec": "white", "lw": 1})
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal")
    ax.set_axis_off()
    _scale_bar(ax, minx, miny, maxx, maxy, lang)
    ax.annotate("N", xy=(0.97, 0.93), xytext=(0.97, 0.82), xycoords="axes fraction",
                ha="center", fontsize=9, fontweight="bold",
                arrowprops={"arrowstyle": "-|>", "color": "#333333"})
    for spine in ("top", "right", "bottom", "left"):
        ax.spines[spine].set_visible(False)
    fig.patch.set_edgecolor("#999999")
    fig.patch.set_linewidth(1)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=130, metadata={"Software": None},
                pil_kwargs={"compress_level": 3})  # fast zlib level, same pixels
    return buf.getvalue()


def _scale_bar(ax, minx, miny, maxx, maxy, lang: str) -> None:
    span = (maxx - minx) / 5
    step = 10 ** math.floor(math.log10(span))
    length = max(s * step for s in (1, 2, 5) if s * step <= span)
    x0, y0 = minx + (maxx - minx) * 0.03, miny + (maxy - miny) * 0.04
    ax.plot([x0, x0 + length], [y0, y0], color="#222222", lw=3, zorder=8,
            solid_capstyle="butt")
    ax.text(x0 + length / 2, y0 + (maxy - miny) * 0.015, f"{i18n.number(length, lang)} m",
            ha="center", va="bottom", fontsize=7, zorder=8)
