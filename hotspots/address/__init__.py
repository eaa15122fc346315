"""Offline geocoding of (Brazilian) street addresses onto street segments."""

from hotspots.address.normalize import (
    ParsedAddress,
    StreetName,
    normalize_street,
    parse_address,
    parse_addresses,
)

__all__ = ["ParsedAddress", "StreetName", "normalize_street", "parse_address", "parse_addresses"]
