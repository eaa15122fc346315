"""Words of the KML for Google Earth: placemark names of the single-class layers."""

from __future__ import annotations

__all__ = ["MESSAGES"]

#: key -> (English, Portuguese); name.<layer> names a placemark after its fields
MESSAGES: dict[str, tuple[str, str]] = {
    "name.dark_gaps": ("dark stretch of {length_m} m", "trecho escuro de {length_m} m"),
    "name.near_repeat_zones": ("raised risk until {active_until}", "risco elevado até "
                               "{active_until}"),
    "name.plan_green": ("{what}", "{what}"),
    "name.patrol": ("shift {shift}, no. {shift_rank}", "turno {shift}, nº {shift_rank}"),
    "name.incidents": ("{category}, {occurred_date}", "{category}, {occurred_date}"),
}
