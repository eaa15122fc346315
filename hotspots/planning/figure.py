"""The council sheet's static map: streets, dark stretches and funded projects (matplotlib, no tiles)."""

from __future__ import annotations

import io

import numpy as np
import shapely

__all__ = ["COLOURS", "plan_map_png"]

COLOURS = {"street": "#c8c8c8", "dark": "#6b6b6b", "candidate": "#f4b183",
           "new_lights": "#d95f02", "repair": "#1f78b4", "green": "#1b9e77",
           "green_candidate": "#b3dfcf", "boundary": "#9a9a9a"}

LABELS = {
    "en": {"streets": "streets", "dark": "dark stretches (no working lamp within reach)",
           "candidate": "lighting projects not funded", "new_lights": "funded: new lights",
           "repair": "funded: lamp repairs", "green": "funded: green areas",
           "green_candidate": "green areas not funded", "north": "N"},
    "pt": {"streets": "ruas", "dark": "trechos escuros (sem lâmpada funcionando ao alcance)",
           "candidate": "projetos de iluminação não financiados",
           "new_lights": "financiado: novas luminárias", "repair": "financiado: consertos",
           "green": "financiado: áreas verdes", "green_candidate": "áreas verdes não financiadas",
           "north": "N"},
}


def _line_parts(geoms) -> np.ndarray:
    """The line parts (LineString, LinearRing) of ``geoms``: what the map draws as lines."""
    parts = shapely.get_parts(np.asarray(geoms, dtype=object))
    return parts[np.isin(shapely.get_type_id(parts), [1, 2])]


def _polys(geoms) -> list[np.ndarray]:
    parts = shapely.get_parts(np.asarray(geoms, dtype=object))
    parts = parts[shapely.get_type_id(parts) == 3]
    return [np.asarray(p.exterior.coords) for p in parts]


def _scale_bar(ax, extent: tuple[float, float, float, float]) -> None:
    x0, y0, x1, y1 = extent
    width = x1 - x0
    nice = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000]
    length = max([n for n in nice if n <= width / 4] or [nice[0]])
    bx, by = x0 + 0.03 * width, y0 + 0.04 * (y1 - y0)
    ax.plot([bx, bx + length], [by, by], color="black", lw=2.2, solid_capstyle="butt",
            zorder=9)
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length} m"
    ax.text(bx + length / 2, by + 0.015 * (y1 - y0), label, ha="center", va="bottom",
            fontsize=7, zorder=9)


_OFFSETS = [(4, 4), (4, -12), (-16, 4), (-16, -12), (10, -4), (-22, -4), (-6, 10), (-6, -18),
            (14, 12), (14, -20), (-26, 12), (-26, -20), (22, -4), (-34, -4)]


def _labels(fig, ax, funded) -> None:
    """Rank labels beside each funded project, moved around until they do not overlap."""
    if not len(funded):
        return
    renderer = fig.canvas.get_renderer()
    pts = shapely.point_on_surface(funded.geometry.to_numpy())
    placed: list = []
    for (_, row), pt in zip(funded.iterrows(), pts, strict=True):
        colour = COLOURS[row["kind"]]
        text = f"{'G' if row['kind'] == 'green' else ''}{row['rank']}"
        for dx, dy in _OFFSETS:
            label = ax.annotate(text, (pt.x, pt.y), xytext=(dx, dy), textcoords="offset points",
                                fontsize=6.5, color=colour, weight="bold", zorder=7,
                                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": colour,
                                      "lw": 0.5, "alpha": 0.9})
            box = label.get_window_extent(renderer).expanded(1.05, 1.1)
            if not any(box.overlaps(b) for b in placed):
                break
            label.remove()
        else:  # crowded: keep the first position, it still names the project
            label = ax.annotate(text, (pt.x, pt.y), xytext=_OFFSETS[0],
                                textcoords="offset points", fontsize=6.5, color=colour,
                                weight="bold", zorder=7,
                                bbox={"boxstyle": "round,pad=0.15", "fc": "white",
                                      "ec": colour, "lw": 0.5, "alpha": 0.9})
            box = label.get_window_extent(renderer)
        placed.append(box)


def plan_map_png(plan, *, language: str, width_in: float = 7.1, height_in: float = 3.0,
                 dpi: int = 170, caption: str = "") -> bytes:
    """PNG of the plan's map: funded projects numbered by rank over the streets.

    Drawn in the analysis CRS (metres, equal aspect) with a scale bar and a north arrow;
    ``caption`` (the evidence window) is printed inside the figure so it travels with it.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from hotspots.figures.paths import draw_lines, lines_path

    words = LABELS[language]
    fig = Figure(figsize=(width_in, height_in), dpi=dpi)
    FigureCanvasAgg(fig)  # an Agg canvas: text extents for the labels, no pyplot state
    map_w = 0.70  # the map on the left, the legend on the right: nothing hides a street
    ax = fig.add_axes((0, 0, map_w, 1))
    ax.set_aspect("equal")
    ax.set_axis_off()
    projects = plan.projects
    if plan.boundary is not None and len(plan.boundary):
        bnd = plan.boundary.to_crs(projects.crs) if plan.boundary.crs is not None else \
            plan.boundary
        ax.add_collection(PolyCollection(_polys(bnd.geometry), facecolor="#f7f7f4",
                                         edgecolor=COLOURS["boundary"], lw=0.6, zorder=0))
    # the whole street network as one path (hotspots.figures.paths: seconds → milliseconds)
    draw_lines(ax, lines_path(plan.streets.geometry.to_numpy()), color=COLOURS["street"],
               width=0.5, zorder=1, capstyle="butt")
    if plan.dark_stretches is not None and len(plan.dark_stretches):
        draw_lines(ax, lines_path(plan.dark_stretches.geometry.to_numpy()),
                   color=COLOURS["dark"], width=0.8, zorder=2, capstyle="butt")
    light = projects[projects["kind"] != "green"]
    green = projects[projects["kind"] == "green"]
    ax.add_collection(PolyCollection(_polys(green.geometry[~green["funded"]]),
                                     facecolor=COLOURS["green_candidate"], edgecolor="none",
                                     zorder=1.5))
    ax.add_collection(PolyCollection(_polys(green.geometry[green["funded"]]),
                                     facecolor=COLOURS["green"], edgecolor="#0b5e45", lw=0.6,
                                     zorder=3))
    # one compound path per colour (a LineCollection builds a Path per line and measures
    # them all for the data limits, which are set below anyway); butt caps as a
    # LineCollection's default
    draw_lines(ax, lines_path(_line_parts(light.geometry[~light["funded"]])),
               color=COLOURS["candidate"], width=1.4, zorder=3, capstyle="butt")
    for kind in ("new_lights", "repair"):
        sel = light[light["funded"] & (light["kind"] == kind)]
        draw_lines(ax, lines_path(_line_parts(sel.geometry)), color=COLOURS[kind], width=2.6,
                   zorder=4)
    lamps = plan.repair_lamps
    if len(lamps) and lamps["funded"].any():
        xy = shapely.get_coordinates(lamps.geometry[lamps["funded"]].to_numpy())
        ax.scatter(xy[:, 0], xy[:, 1], s=14, marker="o", facecolor="white",
                   edgecolor=COLOURS["repair"], lw=1.2, zorder=5)
    x0, y0, x1, y1 = plan.streets.total_bounds
    pad_x, pad_y = 0.03 * (x1 - x0), 0.03 * (y1 - y0)
    # fit the street extent into the figure's aspect ratio
    aspect = height_in / (width_in * map_w)
    w, h = x1 - x0 + 2 * pad_x, y1 - y0 + 2 * pad_y
    if h / w > aspect:
        extra = (h / aspect - w) / 2
        x0, x1 = x0 - extra, x1 + extra
    else:
        extra = (w * aspect - h) / 2
        y0, y1 = y0 - extra, y1 + extra
    extent = (x0 - pad_x, y0 - pad_y, x1 + pad_x, y1 + pad_y)
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    _scale_bar(ax, extent)
    _labels(fig, ax, projects[projects["funded"]])
    ax.annotate(words["north"], xy=(0.975, 0.93), xytext=(0.975, 0.80),
                xycoords="axes fraction", ha="center", fontsize=8, weight="bold",
                arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.0})
    import textwrap

    def wrap(key: str) -> str:
        return "\n".join(textwrap.wrap(words[key], 34))

    handles = [
        Line2D([], [], color=COLOURS["new_lights"], lw=2.6, label=wrap("new_lights")),
        Line2D([], [], color=COLOURS["repair"], lw=2.6, marker="o", mfc="white",
               label=wrap("repair")),
        Patch(facecolor=COLOURS["green"], label=wrap("green")),
        Line2D([], [], color=COLOURS["candidate"], lw=1.4, label=wrap("candidate")),
        Patch(facecolor=COLOURS["green_candidate"], label=wrap("green_candidate")),
        Line2D([], [], color=COLOURS["dark"], lw=0.8, label=wrap("dark")),
    ]
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(map_w + 0.01, 0.98),
               fontsize=6.2, frameon=False, handlelength=1.8, borderaxespad=0.0)
    if caption:
        fig.text(map_w + 0.01, 0.03, "\n".join(textwrap.wrap(caption, 40)), ha="left",
                 va="bottom", fontsize=5.8, color="#333333")
    buf = io.BytesIO()
    # fast zlib level (as the bulletin's maps): a third of the encoding time, same pixels
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 3})
    return buf.getvalue()
