"""Density rasters as map image overlays: warped to Web Mercator and coloured by class."""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

import numpy as np
import rasterio.crs
import rasterio.transform
import rasterio.warp
from folium.raster_layers import ImageOverlay
from rasterio.enums import Resampling

from hotspots._errors import ValidationError
from hotspots.raster import quiet_affine, valid_values
from hotspots.symbology import KDE_COLORS, RASTER_OPACITY, hex_to_rgb, kde_breaks, raster_colors

__all__ = ["colorize", "png_data_url", "raster_crs", "raster_overlay", "to_web_mercator"]


def raster_crs(raster) -> rasterio.crs.CRS:
    """The raster's CRS as a rasterio CRS (accepts pyproj, rasterio or text)."""
    crs = getattr(raster, "crs", None)
    if crs is None:
        raise ValidationError(f"raster {getattr(raster, 'name', '?')!r} has no CRS")
    if hasattr(crs, "to_wkt"):
        return rasterio.crs.CRS.from_wkt(crs.to_wkt())
    return rasterio.crs.CRS.from_user_input(crs)


def to_web_mercator(raster) -> tuple[np.ndarray, list[list[float]]]:
    """(values in EPSG:3857 grid with NaN for no data, [[south, west], [north, east]])."""
    with quiet_affine():
        return _to_web_mercator(raster)


def _to_web_mercator(raster) -> tuple[np.ndarray, list[list[float]]]:
    src = valid_values(raster)
    if src.ndim != 2:
        raise ValidationError(f"raster {getattr(raster, 'name', '?')!r} must be 2-D; got {src.shape}")
    src_crs = raster_crs(raster)
    height, width = src.shape
    dst_crs = rasterio.crs.CRS.from_epsg(3857)
    transform, w, h = rasterio.warp.calculate_default_transform(
        src_crs, dst_crs, width, height,
        *rasterio.transform.array_bounds(height, width, raster.transform))
    dst = np.full((h, w), np.nan, dtype="float64")
    rasterio.warp.reproject(src, dst, src_transform=raster.transform, src_crs=src_crs,
                            src_nodata=np.nan, dst_transform=transform, dst_crs=dst_crs,
                            dst_nodata=np.nan, resampling=Resampling.nearest)
    west, south, east, north = rasterio.transform.array_bounds(h, w, transform)
    lons, lats = rasterio.warp.transform(dst_crs, "EPSG:4326", [west, east], [south, north])
    return dst, [[lats[0], lons[0]], [lats[1], lons[1]]]


def colorize(values: np.ndarray, edges: list[float], colors=KDE_COLORS) -> np.ndarray:
    """RGBA uint8 image: class colours by ``edges``; zero, NaN → transparent."""
    rgba = np.zeros((*values.shape, 4), dtype=np.uint8)
    finite = np.isfinite(values) & (values > 0)
    cls = np.clip(np.digitize(np.where(finite, values, 0), edges[1:-1], right=True), 0,
                  len(colors) - 1)
    for i, c in enumerate(colors[: max(len(edges) - 1, 1)]):
        sel = finite & (cls == i)
        rgba[sel, :3] = hex_to_rgb(c)
        rgba[sel, 3] = 255
    return rgba


def raster_overlay(raster, *, name: str, show: bool = False, opacity: float = RASTER_OPACITY,
                   colors: tuple[str, ...] | None = None, pane: str | None = "hsRaster"
                   ) -> tuple[ImageOverlay, list[float]]:
    """An ImageOverlay of a density raster and its class edges (for the legend), in the
    raster pane under the base map's streets (the streets stay visible through it)."""
    values, bounds = to_web_mercator(raster)
    edges = kde_breaks(valid_values(raster))
    colors = colors or raster_colors(getattr(raster, "name", ""))
    image = colorize(values, edges, colors)
    extra: dict[str, Any] = {"pane": pane} if pane else {}
    overlay = ImageOverlay(image=png_data_url(image), bounds=bounds, name=name, opacity=opacity, show=show,
                           overlay=True, control=True, interactive=False, pixelated=False,
                           **extra)
    return overlay, edges


def png_data_url(rgba: np.ndarray, *, level: int = 6) -> str:
    """An RGBA uint8 image as a ``data:image/png;base64,…`` URL: the PNG folium writes for
    an array (8-bit RGBA, no row filter), compressed at zlib ``level`` — folium's level 9
    takes ~8 times longer (30 ms against 4 for a city's 250 × 250 density raster) for a file
    ~8 % smaller; the pixels are the same."""
    if rgba.dtype != np.uint8 or rgba.ndim != 3 or rgba.shape[2] != 4:
        raise ValidationError(f"expected an RGBA uint8 image, got {rgba.dtype} {rgba.shape}")
    height, width = rgba.shape[:2]
    rows = np.zeros((height, 1 + 4 * width), dtype=np.uint8)  # filter byte 0, then the row
    rows[:, 1:] = rgba.reshape(height, 4 * width)

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack("!I", len(data)) + tag + data
                + struct.pack("!I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    png = b"".join([b"\x89PNG\r\n\x1a\n",
                    chunk(b"IHDR", struct.pack("!2I5B", width, height, 8, 6, 0, 0, 0)),
                    chunk(b"IDAT", zlib.compress(rows.tobytes(), level)),
                    chunk(b"IEND", b"")])
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
