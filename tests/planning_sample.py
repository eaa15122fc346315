"""The sample city read through the library (not the pipeline): inputs of a planning run."""

from __future__ import annotations

import functools

from hotspots import geocode, ingest, sample
from hotspots.overlays import green as green_mod
from hotspots.overlays import lighting as light_mod
from hotspots.segments import build_segments

REACH_M = 30.0


@functools.lru_cache(maxsize=1)
def inputs() -> dict:
    """Segments, geocoded incidents, lamps, dark gaps, green areas, boundary, address points."""
    read = ingest.read_incidents(sample.incidents_path(), timezone=sample.TIMEZONE,
                                 time_format="%d/%m/%Y %H:%M")
    streets = ingest.read_layer(sample.city_path(), layer="streets", what="street",
                                geometry_types=("LineString", "MultiLineString"))
    segments = build_segments(streets, name_column="name")
    boundary = sample.load_layer("boundary").to_crs(segments.crs)
    geo = geocode.geocode_incidents(read.incidents, segments, boundary=boundary)
    lamps = light_mod.prepare_lamps(sample.load_layer("lamps"), segments.crs)
    light = light_mod.lighting(segments, lamps, reach_m=REACH_M)
    areas = green_mod.prepare_green_areas(sample.load_layer("green_areas"), segments.crs)
    return {"segments": segments, "incidents": geo.geocoded, "lamps": lamps,
            "gaps": light.gaps, "green_areas": areas, "boundary": boundary,
            "address_points": sample.load_layer("address_points").to_crs(segments.crs)}
