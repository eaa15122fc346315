"""Offline geocoding of (Brazilian) street addresses onto street segments."""

from hotspots.address.geocoder import AddressGeocoder, geocode_addresses, geocoder_from_config
from hotspots.address.normalize import (
    ParsedAddress,
    StreetName,
    normalize_street,
    parse_address,
    parse_addresses,
)
from hotspots.address.qa import MIN_RELIABLE_RATE, geocoding_qa

__all__ = [
    "MIN_RELIABLE_RATE",
    "AddressGeocoder",
    "ParsedAddress",
    "StreetName",
    "geocode_addresses",
    "geocoder_from_config",
    "geocoding_qa",
    "normalize_street",
    "parse_address",
    "parse_addresses",
]
