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
"""

from __future__ import annotations

import io
import math

import numpy as np

__all__ = ["tight_png"]

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
