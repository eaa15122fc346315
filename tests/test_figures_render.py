"""One-draw figure output (hotspots.figures.render) and the council map's line paths against
the matplotlib calls they replace."""

from __future__ import annotations

import io

import numpy as np
import pytest
import shapely

pytest.importorskip("matplotlib")


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).astype(int)


def _chart(width: float = 2.8, height: float = 2.2, *, below: bool = False):
    """A small chart whose labels hang past the figure (as the bulletin's Moran plot)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], [0, 2, 1], color="#bd0026", lw=1.5)
    ax.set_xlabel("Ângulo — ñ", fontsize=7)
    ax.set_ylabel("valor", fontsize=7)
    ax.set_title("título", fontsize=7.5)
    if below:
        ax.legend(["uma linha"], loc="upper center", bbox_to_anchor=(0.5, -0.2),
                  frameon=False, fontsize=7)
    return fig


def _savefig_tight(fig, dpi: int) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.03,
                metadata={"Software": None})
    return buf.getvalue()


@pytest.mark.parametrize("below", [False, True])
@pytest.mark.parametrize("size", [(2.8, 2.2), (3.61, 1.93)])
def test_tight_png_is_savefig_tight_but_for_a_subpixel_shift(below, size):
    from hotspots.figures.render import tight_png

    dpi = 110
    old = _pixels(_savefig_tight(_chart(*size, below=below), dpi))
    new = _pixels(tight_png(_chart(*size, below=below), dpi=dpi, pad_inches=0.03,
                            metadata={"Software": None}))
    assert old.shape == new.shape  # the same size as savefig's crop
    # the same picture, up to the drawing moved by less than a pixel: the best whole-pixel
    # alignment of the two differs little, and the images' ink is the same
    h, w = old.shape[:2]
    best = min(np.abs(old[1 + dy:h - 1 + dy, 1 + dx:w - 1 + dx] - new[1:-1, 1:-1]).mean()
               for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    assert best < 3.0
    assert abs((255 - old[..., :3]).sum() / (255 - new[..., :3]).sum() - 1) < 0.05


def test_tight_png_falls_back_when_the_drawing_leaves_the_margin():
    from hotspots.figures.render import tight_png

    fig = _chart()
    fig.axes[0].text(0.5, -3.0, "far below", transform=fig.axes[0].transAxes)
    new = tight_png(fig, dpi=100, pad_inches=0.03, metadata={"Software": None})
    fig = _chart()
    fig.axes[0].text(0.5, -3.0, "far below", transform=fig.axes[0].transAxes)
    assert new == _savefig_tight(fig, 100)


def _old_lines(geoms) -> list[np.ndarray]:
    """The council map's former LineCollection segments (reference)."""
    parts = shapely.get_parts(np.asarray(geoms, dtype=object))
    parts = parts[np.isin(shapely.get_type_id(parts), [1, 2])]
    coords, owner = shapely.get_coordinates(parts, return_index=True)
    if len(coords) == 0:
        return []
    return np.split(coords, np.flatnonzero(np.diff(owner)) + 1)


@pytest.mark.parametrize("geoms", [
    [],
    [None, shapely.LineString()],
    [shapely.LineString([(0, 0), (1, 1)])],
    [shapely.MultiLineString([[(0, 0), (1, 0)], [(1, 0), (1, 1), (2, 2)]]), None,
     shapely.box(0, 0, 1, 1), shapely.Point(3, 3),
     shapely.LinearRing([(0, 0), (1, 0), (1, 1)]),
     shapely.GeometryCollection([shapely.LineString([(5, 5), (6, 6)]), shapely.Point(0, 1)]),
     shapely.LineString([(0, 0), (1, 0)])],
])
def test_plan_map_line_path_has_the_old_collections_lines(geoms):
    from matplotlib.path import Path

    from hotspots.figures.paths import lines_path
    from hotspots.planning.figure import _line_parts

    path = lines_path(_line_parts(np.asarray(geoms, dtype=object)))
    old = _old_lines(geoms)
    if not old:
        assert len(path.vertices) == 0
        return
    starts = np.flatnonzero(path.codes == Path.MOVETO)
    pieces = np.split(path.vertices, starts[1:])
    assert len(pieces) == len(old)
    for a, b in zip(pieces, old, strict=True):
        np.testing.assert_array_equal(a, b)


def _svg_root(text: str) -> dict[str, str]:
    import re

    tag = re.search(r"<svg[^>]*>", text).group(0)
    return dict(re.findall(r'(\w+)="([^"]*)"', tag))


@pytest.mark.parametrize("below", [False, True])
def test_tight_svg_shows_savefig_tights_crop(below):
    """The same size in points; the viewBox shows the part of the one drawing that savefig
    would have moved to the origin (its texts: the same, in the same order)."""
    import re

    import matplotlib

    from hotspots.figures.render import tight_svg

    with matplotlib.rc_context({"svg.hashsalt": "t", "svg.fonttype": "none"}):
        buf = io.StringIO()
        _chart(below=below).savefig(buf, format="svg", bbox_inches="tight",
                                    metadata={"Date": None})
        old = buf.getvalue()
        new = tight_svg(_chart(below=below), pad_inches=matplotlib.rcParams["savefig.pad_inches"],
                        metadata={"Date": None})
    a, b = _svg_root(old), _svg_root(new)
    assert (a["width"], a["height"]) == (b["width"], b["height"])
    ox, oy, ow, oh = map(float, a["viewBox"].split())
    nx, ny, nw, nh = map(float, b["viewBox"].split())
    assert (ox, oy) == (0.0, 0.0) and (nw, nh) == pytest.approx((ow, oh), abs=1e-5)
    assert nx > 0 and ny > 0  # the drawing keeps the margin's coordinates
    words = re.compile(r"<text[^>]*>([^<]*)</text>")
    assert words.findall(old) == words.findall(new) and "Ângulo — ñ" in new
