"""Writing result layers to files: GeoPackage (QGIS-styled), GeoJSON, KML, GeoTIFF and CSV."""

from __future__ import annotations

from hotspots.export.geojson import write_geojson
from hotspots.export.gpkg import write_csv, write_geopackage, write_layer_styles
from hotspots.export.kml import write_kml
from hotspots.export.rasters import write_raster

__all__ = ["write_csv", "write_geojson", "write_geopackage", "write_kml", "write_layer_styles",
           "write_raster"]
