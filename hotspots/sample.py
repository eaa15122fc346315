"""The embedded sample city: real OpenStreetMap layers (Helsinki extract) and synthetic incidents."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

__all__ = ["CREDIT", "LAYERS", "TIMEZONE", "city_path", "data_dir", "incidents_path", "load_layer"]

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

LAYERS = ("streets", "lamps", "green_areas", "address_points", "boundary")
#: the sample streets are in Helsinki, so local time (and sunset) is Helsinki's
TIMEZONE = "Europe/Helsinki"
CREDIT = "© OpenStreetMap contributors (ODbL); incidents are synthetic"


def data_dir() -> Path:
    """Folder holding the sample city files inside the installed package."""
    return Path(str(resources.files("hotspots") / "data"))


def city_path() -> Path:
    """Path of the sample city GeoPackage."""
    return data_dir() / "sample_city.gpkg"


def incidents_path() -> Path:
    """Path of the synthetic incidents CSV."""
    return data_dir() / "sample_incidents.csv"


def load_layer(name: str) -> gpd.GeoDataFrame:
    """One layer of the sample city (EPSG:4326)."""
    import geopandas as gpd

    if name not in LAYERS:
        raise KeyError(f"unknown sample layer {name!r}; choose from {LAYERS}")
    return gpd.read_file(city_path(), layer=name, engine="pyogrio")
