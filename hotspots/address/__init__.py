"""Offline geocoding of (Brazilian) street addresses onto street segments."""

from hotspots.address.geocoder import (
    AddressGeocoder,
    GeocodingResult,
    GeocodingSettings,
    PreparedGeocoder,
    geocode_addresses,
    geocoder_from_config,
    prepare,
)
from hotspots.address.names import StreetName, normalize_bairro, normalize_street
from hotspots.address.normalize import ParsedAddress, parse_address, parse_addresses
from hotspots.address.qa import MIN_RELIABLE_RATE, geocoding_qa

__all__ = [
    "MIN_RELIABLE_RATE",
    "AddressGeocoder",
    "GeocodingResult",
    "GeocodingSettings",
    "ParsedAddress",
    "PreparedGeocoder",
    "StreetName",
    "geocode_addresses",
    "geocoder_from_config",
    "geocoding_qa",
    "normalize_bairro",
    "normalize_street",
    "parse_address",
    "parse_addresses",
    "prepare",
]
