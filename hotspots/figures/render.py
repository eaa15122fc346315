"""Figure bytes from one draw: a tight-cropped PNG without matplotlib's second layout.

``savefig(bbox_inches="tight")`` lays the whole figure out twice: once with drawing disabled
to measure the crop box, then again for real at the cropped size with a new renderer, so every
tick and text is measured twice. On the bulletin's small charts that costs more than the
drawing itself. :func:`tight_png` draws the figure once on a canvas with a margin around it
(``savefig``'s own canvas adjustment, ``matplotlib._tight_bbox.adjust_bbox``: artists keep
their place in inches, labels hanging past the figure are drawn), measures the crop box on the
renderer that drew it (``Figure.get_tightbbox``, the box ``savefig`` measures) and cuts it out
of the pixels. The picture is the one ``savefig`` makes but for where the crop falls within a
pixel: matplotlib moves the drawing by a fraction of a pixel, a crop cannot.

A drawing that reaches past the margin falls back to the ordinary ``savefig``.

:func:`tight_svg` does the same for SVG, where the crop is the SVG's own: the root element's
size and ``viewBox`` say which part of the one drawing is shown (no shift within a pixel).
"""

from __future__ import annotations

import io
import math
import re

import numpy as np

__all__ = ["tight_png", "tight_svg"]

MARGIN_IN = 1.0  #: canvas drawn around the figure (inches): legends hung below a map fit


def tight_png(fig, *, dpi: int, pad_inches: float, metadata: dict | None = None,
              pil_kwargs: dict | None = None) -> bytes:
    """PNG bytes of ``fig`` cropped to its drawing and ``pad_inches`` around, as
    ``fig.savefig(format="png", dpi=dpi, bbox_inches="tight", pad_inches=pad_inches)``
    gives them, from one draw. Artists placed with ``fig.dpi_scale_trans`` are not moved by
    the margin: figures with them are not tight-cropped (as with ``savefig``)."""
    from matplotlib._tight_bbox import adjust_bbox
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.image import imsave
    from matplotlib.transforms import Bbox

    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    width_in, height_in = fig.get_size_inches()
    margin = round(MARGIN_IN * dpi) / dpi  # whole pixels: the figure is not moved within one
    around = Bbox.from_extents(-margin, -margin, width_in + margin, height_in + margin)
    restore = adjust_bbox(fig, around, canvas.get_renderer())
    try:
        canvas.draw()
        box = fig.get_tightbbox(canvas.get_renderer())  # inches on the enlarged canvas
    finally:
        restore()
    pixels = np.asarray(canvas.buffer_rgba())
    height, width = pixels.shape[:2]
    x0 = round((box.x0 - pad_inches) * dpi)
    y0 = round(height - (box.y1 + pad_inches) * dpi)  # rows from the top
    x1 = x0 + math.floor((box.width + 2 * pad_inches) * dpi)  # savefig's size: truncated
    y1 = y0 + math.floor((box.height + 2 * pad_inches) * dpi)
    if x0 < 0 or y0 < 0 or x1 > width or y1 > height or x1 <= x0 or y1 <= y0:
        buf = io.BytesIO()  # the drawing reaches past the margin: savefig's two layouts
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", pad_inches=pad_inches,
                    metadata=metadata, pil_kwargs=pil_kwargs)
        return buf.getvalue()
    buf = io.BytesIO()
    imsave(buf, pixels[y0:y1, x0:x1], format="png", origin="upper", dpi=dpi,
           metadata=metadata, pil_kwargs=pil_kwargs)
    return buf.getvalue()


def tight_svg(fig, *, pad_inches: float, metadata: dict | None = None) -> str:
    """SVG text of ``fig`` cropped to its drawing and ``pad_inches`` around, as
    ``fig.savefig(format="svg", bbox_inches="tight", pad_inches=pad_inches)`` shows it, from
    one draw: the drawing keeps the margin's coordinates and the root ``<svg>``'s width,
    height and viewBox are the crop box (in points, as matplotlib writes them)."""
    from matplotlib._tight_bbox import adjust_bbox
    from matplotlib.backends.backend_mixed import MixedModeRenderer
    from matplotlib.backends.backend_svg import FigureCanvasSVG, RendererSVG
    from matplotlib.transforms import Bbox

    if any(ax.get_axes_locator() is not None for ax in fig.axes):  # placed at draw time
        buf = io.StringIO()
        fig.savefig(buf, format="svg", bbox_inches="tight", pad_inches=pad_inches,
                    metadata=metadata)
        return buf.getvalue()
    FigureCanvasSVG(fig)
    image_dpi = fig.dpi  # as print_svg: images at the figure's dpi, the drawing in points
    fig.set_dpi(72)
    width_in, height_in = fig.get_size_inches()
    around = Bbox.from_extents(-MARGIN_IN, -MARGIN_IN, width_in + MARGIN_IN,
                               height_in + MARGIN_IN)
    buf = io.StringIO()
    restore = adjust_bbox(fig, around, None)
    try:
        w_in, h_in = fig.get_size_inches()
        renderer = MixedModeRenderer(fig, w_in, h_in, image_dpi,
                                     RendererSVG(w_in * 72, h_in * 72, buf,
                                                 image_dpi=image_dpi, metadata=metadata))
        fig.draw(renderer)
        renderer.finalize()
        box = fig.get_tightbbox(renderer)  # inches on the enlarged canvas
    finally:
        restore()
        fig.set_dpi(image_dpi)
    x0, y0 = box.x0 - pad_inches, h_in - box.y1 - pad_inches  # SVG: y from the top
    w, h = box.width + 2 * pad_inches, box.height + 2 * pad_inches
    text = buf.getvalue()
    if x0 < 0 or y0 < 0 or x0 + w > w_in or y0 + h > h_in:  # past the margin: savefig's way
        buf = io.StringIO()
        fig.savefig(buf, format="svg", bbox_inches="tight", pad_inches=pad_inches,
                    metadata=metadata)
        return buf.getvalue()
    size = (f'width="{_pt(w * 72)}pt" height="{_pt(h * 72)}pt" '
            f'viewBox="{_pt(x0 * 72)} {_pt(y0 * 72)} '
            f'{_pt(w * 72)} {_pt(h * 72)}"')
    root = re.compile(r'width="[^"]*pt" height="[^"]*pt" viewBox="0 0 [^"]*"')
    return root.sub(size, text, count=1)


def _pt(x: float) -> str:
    """A length in points as matplotlib's SVG writes it (fixed, no trailing zeros)."""
    return f"{x:f}".rstrip("0").rstrip(".")
