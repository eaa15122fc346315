"""Density rasters as GeoTIFF with a QGIS style (.qml) beside them, in the web map's classes."""

from __future__ import annotations

from pathlib import Path

from hotspots.export.qgis_styles import raster_qml
from hotspots.raster import quiet_affine, valid_values

__all__ = ["write_raster"]


def write_raster(raster, path: str | Path, *, lang: str = "en") -> tuple[Path, Path]:
    """Write ``raster`` (a ``hotspots.raster.Raster``) as GeoTIFF plus ``<name>.qml``.

    QGIS loads the .qml beside a .tif automatically, so the density opens in the map's
    classes, colours (``symbology.raster_colors`` of the raster's name) and opacity
    (``symbology.RASTER_OPACITY``); legend labels in ``lang``.
    """
    from hotspots.raster import write_geotiff

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with quiet_affine():
        tif = write_geotiff(raster, path)
    qml = path.with_suffix(".qml")
    name = str(getattr(raster, "name", "") or path.stem)
    qml.write_text(raster_qml(valid_values(raster), units=str(getattr(raster, "units", "") or ""),
                              name=name, lang=lang), encoding="utf-8")
    return tif, qml
