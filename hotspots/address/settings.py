"""Settings of address geocoding: the [geocoding] section of the run configuration.

Declared once in :mod:`hotspots.config.geocoding` (light, read by the configuration too);
:func:`settings_from_options` maps the keyword options of the earlier API onto them.
"""

from __future__ import annotations

import dataclasses

from hotspots._errors import ValidationError
from hotspots.config.geocoding import METHODS, GeocodingSettings

__all__ = ["METHODS", "GeocodingSettings", "settings_from_options"]


def settings_from_options(**options) -> GeocodingSettings:
    """GeocodingSettings from the keyword options of the earlier ``AddressGeocoder`` API."""
    opts = dict(options)
    method = opts.pop("method", "auto")
    if method == "auto":
        method = ("address_point", "address_range")
    opts["method"] = (method,) if isinstance(method, str) else tuple(method)
    start = opts.get("number_start")
    if isinstance(start, tuple):
        opts["number_start"], opts["number_origin"] = "auto", tuple(float(v) for v in start)
    if "range_columns" in opts and isinstance(opts["range_columns"], tuple | list):
        opts["range_columns"] = dict(zip(("from_left", "to_left", "from_right", "to_right"),
                                         opts["range_columns"]))
    opts["range_columns"] = dict(opts.get("range_columns") or {})
    opts["city_names"] = tuple(opts.get("city_names", ()))
    unknown = [k for k in opts if k not in {f.name for f in dataclasses.fields(
        GeocodingSettings)}]
    if unknown:
        raise ValidationError(f"AddressGeocoder: unknown options {unknown}")
    return GeocodingSettings(**opts)
