"""Colours, classes, labels and class rules shared by the web map, the QGIS styles and the KML.

The one source of how every layer is drawn. ``symbology(key, frame)`` /
``layer_symbologies(name, frame)`` return :class:`Symbology` objects; ``classify(frame)`` gives
each feature its class index into ``all_classes`` (the rule the map, QGIS and KML all follow),
``legend(index)`` the legend items. Modules: :mod:`.classes` (categories, ranges, colours, edge
rules, value matching), :mod:`.rules` (the symbology of each layer), :mod:`.texts` (labels in
English and Portuguese).
"""

from __future__ import annotations

from hotspots.symbology.classes import (
    BACKGROUND_COLOR,
    BOUNDARY,
    DARK_GAP,
    FALSE_TEXTS,
    FILL_OPACITY,
    GI_CLASSES,
    GREEN_CANDIDATE,
    GREEN_CLASSES,
    GREEN_UNKNOWN,
    HOT_STATUS_CLASSES,
    INCIDENT,
    KDE_COLORS,
    LABEL_MAX_SCALE,
    LAMP_CLASSES,
    LAMP_OTHER,
    LIGHT_COLORS,
    MATCHES,
    MISSING_COLOR,
    NOT_HOT,
    POLYGON_STROKE,
    RASTER_OPACITY,
    RATE_COLORS,
    SHIFT_COLORS,
    SHIFT_WIDTH,
    SUPPRESSED_COLOR,
    TRUE_TEXTS,
    WEEK_COLORS,
    WEEK_SUPPRESSED,
    WEEK_ZERO,
    ZERO_COLOR,
    Category,
    Range,
    category_index,
    count_classes,
    gi_category,
    hex_to_rgb,
    kde_breaks,
    nice_number,
    range_index,
    raster_classes,
    raster_colors,
    rate_classes,
    rate_index,
    truthy,
)
from hotspots.symbology.rules import (
    LAYER_STYLES,
    Symbology,
    layer_symbologies,
    suppressible_columns,
    symbology,
)
from hotspots.symbology.texts import TEXTS, language, number_text, text

__all__ = [
    "BACKGROUND_COLOR", "BOUNDARY", "DARK_GAP", "FALSE_TEXTS", "FILL_OPACITY", "GI_CLASSES",
    "GREEN_CANDIDATE", "GREEN_CLASSES", "GREEN_UNKNOWN", "HOT_STATUS_CLASSES", "INCIDENT",
    "KDE_COLORS", "LABEL_MAX_SCALE", "LAMP_CLASSES", "LAMP_OTHER", "LAYER_STYLES",
    "LIGHT_COLORS", "MATCHES", "MISSING_COLOR", "NOT_HOT", "POLYGON_STROKE",
    "RASTER_OPACITY", "RATE_COLORS", "SHIFT_COLORS", "SHIFT_WIDTH",
    "SUPPRESSED_COLOR", "TEXTS", "TRUE_TEXTS", "WEEK_COLORS", "WEEK_SUPPRESSED", "WEEK_ZERO",
    "ZERO_COLOR", "Category", "Range", "Symbology", "category_index", "count_classes",
    "gi_category", "hex_to_rgb", "kde_breaks", "language", "layer_symbologies", "nice_number",
    "number_text", "range_index", "raster_classes", "raster_colors", "rate_classes",
    "rate_index", "suppressible_columns", "symbology", "text", "truthy",
]
