"""The [geocoding] section: snapping coordinates and matching Brazilian addresses.

Light (no geospatial import): :mod:`hotspots.address` and the run configuration read the same
declarations.
"""

from __future__ import annotations

import contextvars
import dataclasses
from dataclasses import dataclass

from hotspots._errors import ValidationError
from hotspots._settings import build_section, setting

__all__ = ["METHODS", "GeocodingSettings"]

METHODS = ("address_point", "address_range", "metric_number")


def _two_numbers(value) -> str | None:
    return None if len(value) in (0, 2) else "empty or two numbers (x, y)"


@dataclass(frozen=True)
class GeocodingSettings:
    """Snapping coordinates and matching addresses onto segments ([geocoding])."""

    max_distance_m: float = setting(50.0, "incidents farther than this from every street are "
                                    "rejected (beyond_max_distance)", unit="m", gt=0)
    method: tuple[str, ...] = setting(
        ("address_point", "address_range"), "methods tried in order for numbered addresses",
        choices=METHODS)
    min_score: float = setting(85.0, "minimum street-name score; the score reported is the one "
                               "compared", ge=0, le=100)
    side_offset_m: float = setting(10.0, "points placed this far off the centreline on their "
                                   "side", unit="m", ge=0)
    end_offset_fraction: float = setting(0.03, "numbers kept this share of the segment away "
                                         "from its ends (squeeze)", ge=0, lt=0.5)
    even_side: str = setting("right", "side of the even numbers walking towards increasing "
                             "numbers (odd/even ranges, metric numbering)",
                             choices=("right", "left"))
    range_convention: str = setting("auto", "house-number ranges of the segments",
                                    choices=("auto", "left_right", "odd_even", "none"))
    range_columns: dict[str, str] = setting(  # noqa: RUF009 - setting() returns a field
        {}, "range role → column (from_left, to_left, from_right, to_right or odd_from, odd_to, "
        "even_from, even_to); unmapped roles are looked up by their usual names",
        example={"odd_from": "NUM_IMPAR_INI", "odd_to": "NUM_IMPAR_FIM",
                 "even_from": "NUM_PAR_INI", "even_to": "NUM_PAR_FIM"})
    invalid_ranges: str = setting("fallback", "ranges with a 0 end, mixed parity, reversed or "
                                  "swallowing other blocks: used (repaired) only when no sound "
                                  "range holds the number, with a review flag; or ignored",
                                  choices=("fallback", "ignore"))
    name_columns: dict[str, str] = setting(  # noqa: RUF009 - setting() returns a field
        {}, "segment columns holding the parts of the street name (type, title, preposition, "
        "name, locality); empty = the segments' street_name",
        example={"type": "TIPO", "preposition": "PREP", "name": "NOME"})
    type_codes: dict[str, str] = setting(  # noqa: RUF009 - setting() returns a field
        {}, "street-type codes added to the built-in table (code → type)",
        example={"DIR": "DIRETRIZ"})
    segment_bairro_column: str | None = setting(None, "segment column with the bairro")
    segment_cep_column: str | None = setting(None, "segment column with the CEP")
    number_start: str = setting("auto", "metric numbering: where numbers start (auto = the end "
                                "nearest number_origin or the map centre)",
                                choices=("auto", "first", "last"))
    number_origin: tuple[float, ...] = setting((), "metric numbering origin (x, y in the "
                                               "segments' CRS); empty = centre of the map",
                                               check=_two_numbers)
    metric_tolerance_m: float = setting(30.0, "metric numbering: numbers up to this much past "
                                        "the street's length still placed", unit="m", ge=0)
    intersection_policy: str = setting(
        "number_then_corner", "address with a number and a corner: the number, then the corner "
        "if the number is not found (review); the number only; or always the corner",
        choices=("number_then_corner", "number", "corner"))
    intersection_max_gap_m: float = setting(25.0, "two streets closer than this meet even "
                                            "without a shared node", unit="m", ge=0)
    allow_street_only: bool = setting(False, "place addresses without a number at the middle "
                                      "of their street (review)")
    street_gap_m: float = setting(30.0, "pieces of one name closer than this are one street",
                                  unit="m", ge=0)
    same_address_max_m: float = setting(150.0, "tied candidates farther apart than this need a "
                                        "review (address points: a rejection)", unit="m", gt=0)
    address_column: str = setting("address", "record column with the address text")
    bairro_column: str = setting("bairro", "record column with the bairro (optional)")
    cep_column: str = setting("cep", "record column with the CEP (optional)")
    city_names: tuple[str, ...] = setting((), "city names removed from the end of addresses")
    points_street_column: str = setting("street", "address points: street column")
    points_number_column: str = setting("housenumber", "address points: number column")
    points_bairro_column: str | None = setting("bairro", "address points: bairro column")
    points_cep_column: str | None = setting("postcode", "address points: CEP column")
    points_max_snap_m: float = setting(100.0, "address points farther than this from their "
                                       "street are not used", unit="m", gt=0)

    def __post_init__(self):
        if _CHECKING.get():
            return
        token = _CHECKING.set(True)
        try:
            _, problems = build_section(type(self), _as_dict(self), section="geocoding")
        finally:
            _CHECKING.reset(token)
        if problems:
            raise ValidationError("geocoding settings: " + "; ".join(problems))


#: set while build_section re-creates the settings to check them (no second check)
_CHECKING: contextvars.ContextVar[bool] = contextvars.ContextVar("checking", default=False)


def _as_dict(settings) -> dict:
    return {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)}
