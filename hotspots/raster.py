"""Rasters computed by hotspots (KDE surfaces): the array, its georeferencing and GeoTIFF output."""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyproj
from affine import Affine

from hotspots._errors import ValidationError

__all__ = ["Raster", "quiet_affine", "valid_values", "write_geotiff"]


@dataclass(frozen=True)
class Raster:
    """A north-up grid: ``array[row, col]`` with ``transform`` mapping (col, row) to CRS x/y.

    Missing cells (outside the boundary, or with no point within the kernel radius) hold
    ``nodata``; the default ``nodata`` is NaN, so ``numpy.isnan(array)`` finds them.
    ``units`` says what a cell value is (e.g. ``"incidents per km²"``).
    """

    array: np.ndarray
    transform: Affine
    crs: pyproj.CRS
    nodata: float = float("nan")
    units: str = ""
    name: str = "raster"

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return self.array.shape

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) of the grid's outer edges."""
        rows, cols = self.array.shape
        t = self.transform
        x0, y0 = t.c, t.f
        x1, y1 = t.a * cols + t.b * rows + t.c, t.d * cols + t.e * rows + t.f
        return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)

    def valid_mask(self) -> np.ndarray:
        """Boolean array, True where the cell holds data."""
        if np.isnan(self.nodata):
            return ~np.isnan(self.array)
        return self.array != self.nodata

    def cell_centers(self) -> tuple[np.ndarray, np.ndarray]:
        """x and y of every cell centre, each with the array's shape."""
        rows, cols = self.array.shape
        cc, rr = np.meshgrid(np.arange(cols) + 0.5, np.arange(rows) + 0.5)
        t = self.transform
        return t.a * cc + t.b * rr + t.c, t.d * cc + t.e * rr + t.f


def write_geotiff(raster: Raster, path: str | Path) -> Path:
    """Write ``raster`` as a single-band float32 GeoTIFF (CRS, transform, nodata, deflate)."""
    import rasterio

    path = Path(path)
    if raster.array.ndim != 2:
        raise ValidationError(
            f"write_geotiff: raster {raster.name!r} has shape {raster.array.shape}; "
            "a GeoTIFF band needs a 2-D array"
        )
    if not path.parent.exists():
        raise ValidationError(
            f"write_geotiff: folder {path.parent} does not exist; create it first"
        )
    data = raster.array.astype(np.float32)
    rows, cols = data.shape
    profile = {
        "driver": "GTiff",
        "height": rows,
        "width": cols,
        "count": 1,
        "dtype": "float32",
        "crs": rasterio.crs.CRS.from_wkt(raster.crs.to_wkt()),
        "transform": raster.transform,
        "nodata": raster.nodata,
        "compress": "deflate",
        "predictor": 3,
    }
    if rows >= 256 and cols >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
        dst.set_band_description(1, raster.name)
        dst.update_tags(1, units=raster.units)
    return path


def valid_values(raster) -> np.ndarray:
    """The raster's cell values with NoData and non-finite cells as NaN (a float copy)."""
    arr = np.array(raster.array, dtype="float64", copy=True)
    nodata = getattr(raster, "nodata", None)
    if nodata is not None and np.isfinite(nodata):
        arr[arr == nodata] = np.nan
    arr[~np.isfinite(arr)] = np.nan
    return arr


@contextmanager
def quiet_affine():
    """rasterio still multiplies Affine objects with ``*``; affine ≥ 3.1 warns about it."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Use `@` matmul",
                                category=PendingDeprecationWarning)
        yield
