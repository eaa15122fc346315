"""Offline geocoding of (Brazilian) street addresses onto street segments.

Usage (frames in, frames out; nothing in this package reads a file)::

    from hotspots.address import GeocodingSettings, prepare

    settings = GeocodingSettings(
        range_convention="odd_even",                 # or "left_right", "auto", "none"
        range_columns={"odd_from": "NUM_IMPAR_INI", "odd_to": "NUM_IMPAR_FIM",
                       "even_from": "NUM_PAR_INI", "even_to": "NUM_PAR_FIM"},
        name_columns={"type": "TIPO", "preposition": "PREP", "name": "NOME",
                      "locality": "LOCAL"},          # or {} to use street_name
        type_codes={"DIR": "DIRETRIZ"},              # added to the built-in code table
        segment_bairro_column="BAIRRO", segment_cep_column="CEP")
    geocoder = prepare(segments, address_points=points, ceps=cep_table, settings=settings)
    result = geocoder.geocode(records)   # DataFrame indexed by incident_id: address, bairro, cep
    result.geocoded, result.rejects, result.qa, result.table

``prepare`` builds, once, everything that depends only on the reference: standardised names and
keys, the fuzzy-matching index, streets (connected pieces of one name), the bairros and CEPs of
each street, the checked house-number range sides, the address points and the precision
estimate. ``geocode`` then costs only its records (distinct addresses are parsed once, street
spellings and corners are remembered between calls; one-edit name look-ups and range points run
in numba; Python's cyclic garbage collector is paused during a call and resumed after it). ``geocode_addresses(list, segments)``
geocodes a plain list; ``AddressGeocoder`` is the callable ``hotspots.geocode`` takes.

Reference columns (segments from ``hotspots.segments.build_segments``; carry extra columns with
``keep_columns``):

- street name: ``street_name``, or ``name_columns`` roles ``type``, ``title``, ``preposition``,
  ``name``, ``locality`` joined in that order (locality as " - LOCALITY"). Type codes of
  municipal layers (R, AV, TV, AL, PC, EST, ROD, LG, BC, AC = ACESSO, PSG = PASSAGEM,
  DIR = DIRETRIZ, VA = VIA, VE = VIELA, LE = LADEIRA, RP = RUA PROJETADA, ESP = ESPLANADA,
  RTL = ROTULA, SRV, CAM, ESC, VD, …: ``names.TYPE_CODES``) are read as types; ``type_codes``
  adds or overrides codes.
- house-number ranges, by role: ``left_right`` (``from_left``, ``to_left``, ``from_right``,
  ``to_right``: sides seen walking from the line's first vertex) or ``odd_even`` (``odd_from``,
  ``odd_to``, ``even_from``, ``even_to``; the even side is ``even_side``, seen walking towards
  increasing numbers). ``from`` is the number at the first vertex. Unmapped roles are looked up
  by their usual names (``hotspots.numbering.RANGE_ALIASES``: ``NUM_IMPAR_INI``, ``PAR_FIM``,
  ``L_F_ADD``, ``ESQ_INI``…). Ranges with a 0 or empty end facing an odd number, mixed parity,
  a reversed span (the two sides of a block running opposite ways) or a span swallowing other
  blocks are counted in ``reference_qa["range_sides"]`` and used only when no sound range holds
  the number, repaired from the block's other side when that one is sound, with a review flag
  (``invalid_ranges="ignore"`` leaves them out). ``build_segments`` divides ranges in
  proportion to length when it splits a line.
- ``segment_bairro_column``, ``segment_cep_column`` (CEP per segment); a CEP table
  (``ceps=``: ``cep``, ``street``, optional ``bairro``; e.g. Correios DNE) gives CEPs per
  street; address points add the bairros and CEPs written on them.

Matching: keys keep single-letter and numeric names ("Rua D", "Rua 7"), drop only DA/DE/DO/
DAS/DOS, write numbers as words; titles (General, Doutor…) are left out only at the start of
the short key. Fuzzy scores count OSA edits (a swap is one edit) scaled by length:
``100 × (1 − edits / (length + 3))``: at the default ``min_score`` 85 a 4–10-letter name
tolerates one edit, 11–16 two. A fuzzy match must end on one street (unique-candidate rule) and
is dropped when its street is in another bairro than the one written, or of another specific
type. The written type, the CEP and the bairro narrow same-named streets; when several remain,
the number decides only if it is in range on one of them, else the address is ambiguous (a
reject, never a guess). Among ranges holding the number the tightest wins, then the one whose
interpolated point is nearest the bairro's centre, then the one holding the number further
inside. A numbered address with a corner ("Av. X 8000 esq. Rua Y") is placed by its number,
by the corner when the number is not found (``intersection_policy``).

Results: ``geocoded`` has the input index and columns plus ``segment_id``, ``snap_distance_m``,
``position_m`` (along the segment from its first vertex), ``match_method`` (address_point |
address_range | metric_number | intersection | street_centroid), ``match_score`` (the score
compared with ``min_score``), ``match_status`` (matched | matched_tie | matched_street_only),
``match_review`` (bool), ``match_review_reason`` (tie_far_apart, invalid_range, fuzzy_name,
corner_instead_of_number, several_corners, streets_do_not_touch, street_only, bairro_differs)
and
``matched_street``; ``rejects`` has ``hotspots.rejects`` reasons with details that print the
real score ("best match scored 84.6 (minimum 85) …"); ``table`` has every record in input
order. ``qa`` (:func:`geocoding_qa`): match rate (Ratcliffe's 85 % warning), counts by method,
status, name match and reject reason, review counts, score quantiles, the commonest unmatched
streets, and ``reference``: range-side checks and, with address points and ranges, the
precision estimate (share of points whose number the ranges put on their own segment, error
along the street).
"""

from hotspots.address.geocoder import (
    AddressGeocoder,
    GeocodingResult,
    PreparedGeocoder,
    geocode_addresses,
    prepare,
)
from hotspots.address.names import StreetName, normalize_bairro, normalize_street
from hotspots.address.normalize import ParsedAddress, parse_address, parse_addresses
from hotspots.address.qa import MIN_RELIABLE_RATE, geocoding_qa
from hotspots.address.settings import METHODS, GeocodingSettings

__all__ = [
    "METHODS",
    "MIN_RELIABLE_RATE",
    "AddressGeocoder",
    "GeocodingResult",
    "GeocodingSettings",
    "ParsedAddress",
    "PreparedGeocoder",
    "StreetName",
    "geocode_addresses",
    "geocoding_qa",
    "normalize_bairro",
    "normalize_street",
    "parse_address",
    "parse_addresses",
    "prepare",
]
