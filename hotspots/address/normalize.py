"""Parsing free-text Brazilian addresses into street, number, complement, bairro, CEP (or corner).

The number is looked for, in this order: after a mark ("nº 89", "n. 89", "#89"), after a comma
(", 1234"), after " - " ("Rua 7 - 12"), and bare after the street name ("RUA DA REPUBLICA 500
CIDADE BAIXA"), skipping numbers that belong to the name ("Rua 15 de Novembro", "Rua 2",
"BR 116"). What follows the number is a complement when it starts with one ("apto 302",
"fundos"), otherwise the bairro, with or without a separator. " - " before the number is part of
the street ("Rua Palmares - Jd Por do Sol nº 89": street PALMARES in the locality JARDIM POR DO
SOL). An intersection ("Av. X esq. Rua Y") keeps a number written with its first street.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from hotspots.address.names import (
    PREPOSITIONS,
    STREET_TYPES,
    TYPE_CODES,
    StreetName,
    _normalize,
    normalize_bairro,
    normalize_street,
    number_to_words,
    roman_to_int,
    strip_accents,
)

__all__ = [
    "MAX_HOUSE_NUMBER",
    "PARSED_COLUMNS",
    "ParsedAddress",
    "StreetName",
    "normalize_bairro",
    "normalize_street",
    "number_to_words",
    "parse_address",
    "parse_addresses",
    "parsed_arrays",
    "roman_to_int",
    "strip_accents",
]

#: largest house number accepted (larger ones are typing errors)
MAX_HOUSE_NUMBER = 99_999

_NUM = r"(\d{1,3}(?:\.\d{3})+|\d+)"
_SFX = r"(?:\s*-?\s*([A-Z])(?![A-Z0-9]))?"
_CEP = re.compile(r"\bCEP\b\.?:?\s*(\d{2}\.?\d{3}-?\d{3})\b|\b(\d{5}-\d{3})\b")
_CEP_BARE = re.compile(r"(?:^|[\s,;-])(\d{8})\s*$")
_SN = re.compile(r"\bS\s*/\s*N[O°]?\b\.?|\bSEM\s+NUMERO\b|\bS\.\s?N\b\.?")
_KM = re.compile(r"\bKM\.?\s*(\d+(?:[.,]\d+)?)")
_MARKED = re.compile(r"(?:^|[\s,;])(?:N[O°]?\.?|NUM\.?|NUMERO|NR\.?|#)\s*" + _NUM + r"(?!\d)" + _SFX)
_COMMA = re.compile(r",\s*" + _NUM + r"(?:\s*[-/]\s*\d+)?(?!\d)" + _SFX + r"(?=$|[\s,;/-])")
_DASH = re.compile(r"\s[-–]\s*" + _NUM + r"(?!\d)" + _SFX + r"(?=\s*$|\s*[,;]|\s+[-–]\s)")
_BARE = re.compile(r"\s" + _NUM + r"(?:\s*[-/]\s*\d+)?(?!\d)" + _SFX + r"(?=$|[\s,;/-])")
_INTERSECTION = re.compile(
    r"\s+(?:ESQUINA|ESQ\b\.?)(?:\s+(?:COM|C/))?(?=\s)|\s*\bESQ\.\s*|\s+(?:C/|COM|X)(?=\s)"
    r"|\s*&\s*")
_COMPLEMENT = re.compile(
    r"^(?:APTO|APT|AP|APARTAMENTO|BLOCO|BL|FUNDOS|FDS|CASA|CS|SALA|SL|LOJA|LJ|CONJUNTO|CJ|"
    r"ANDAR|FRENTE|TERREO|LOTE|LT|QUADRA|QD|BOX|GALPAO|SOBRADO|KITNET|PISO|ESQUINA|PROX|"
    r"PROXIMO|PERTO|EM FRENTE|AO LADO|ENTRE|TORRE|EDIFICIO|ED|CONDOMINIO|COND|KM)\b")
_COMPLEMENT_IN = re.compile(
    r"\s(?:APTO|APT|AP|APARTAMENTO|BLOCO|BL|FUNDOS|FDS|CASA|SALA|LOJA|LJ|ANDAR|TERREO|LOTE|"
    r"LT|QUADRA|QD|BOX|SOBRADO|KITNET|PROXIMO|PROX|PERTO|EM FRENTE|AO LADO|TORRE|EDIFICIO)\b")
_VALUED = re.compile(r"^(?:APTO|APT|AP|APARTAMENTO|BLOCO|BL|CASA|CS|SALA|SL|LOJA|LJ|LOTE|LT|"
                     r"QUADRA|QD|BOX|TORRE)\.?\s*(?:N[O°]?\.?\s*)?[0-9A-Z]{1,4}\s+(?=[A-Z]{2,}"
                     r"(?:\s|$))")
_BAIRRO_WORD = re.compile(r"^(?:BAIRRO|BAIRRO:|B\.)\s*")
_PARTS = re.compile(r"\s+[-–]\s+|\s*[,;]\s*")
_NAME_NUMBER_BEFORE = re.compile(r"(?:^|\s)(?:BR|RS|SC|PR|SP|ERS|RST|RSC|KM|QUADRA|QD|LOTE|"
                                 r"LT|BLOCO|BL|APTO|AP|CASA|SALA|TRAVESSA|TV|NUCLEO)\.?\s*$")
_NAME_NUMBER_AFTER = re.compile(r"^\s+(?:DE|DA|DO|DOS|DAS)\s")
_SPACES = re.compile(r"\s+")
_NON_DIGIT = re.compile(r"\D")
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")
_UPPER = re.compile(r"[A-Z]")  # one upper-case letter (search: any; fullmatch: the whole)
_TWO_LETTERS = re.compile(r"[A-Z]{2}")
_SPACE_DIGIT = re.compile(r"\s+\d")
_UF_AFTER_DASH = re.compile(r"[-/]\s*[A-Z]{2}\s*$")
_BAIRRO_IN = re.compile(r"(?:,|\s-)\s*(?:BAIRRO|B\.)\s+|\s+BAIRRO\s+")
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")
#: the state codes _UF ends with (a cheap test before the search)
_UF_CODES = frozenset("AC AL AP AM BA CE DF ES GO MA MT MS MG PA PB PR PE PI RJ RN RS RO RR SC "
                      "SP SE TO".split())
_UF = re.compile(r"(?:\s*[-/,]\s*|\s+)(?:AC|AL|AP|AM|BA|CE|DF|ES|GO|MA|MT|MS|MG|PA|PB|PR|PE|PI|"
                 r"RJ|RN|RS|RO|RR|SC|SP|SE|TO)\s*$")


@dataclass(frozen=True)
class ParsedAddress:
    """One address split into its parts; ``problem`` says why it cannot be geocoded, if so."""

    street: StreetName | None
    number: int | None
    number_suffix: str
    number_kind: str  #: "number", "sn" (no number), "km", "missing", "invalid"
    km: float | None
    complement: str
    bairro: str  #: as written (the street's " - LOCALIDADE" when no bairro was written)
    cep: str  #: 8 digits or ""
    cross_street: StreetName | None  #: second street of an intersection
    problem: str  #: "" or a reason code ("address_empty", "invalid_address", "invalid_number")
    #: the street text with its bare trailing number as part of the name ("Rua Projetada 4"),
    #: tried when the street without it is not found; "" when the number was marked
    name_number: str = ""


def _parsed(**fields) -> ParsedAddress:
    """A ParsedAddress without the frozen dataclass's per-field ``__setattr__`` (the same
    object: equality, hashing and immutability come from the class)."""
    obj = object.__new__(ParsedAddress)
    obj.__dict__.update(fields)
    return obj


def _clean(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, bytes):
        raw = value
        for enc in ("utf-8", "cp1252"):
            try:
                value = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
    if not isinstance(value, str):
        return None
    if _BAD_CHARS.search(value):
        return None
    if "  " in value or "\t" in value or "\n" in value or "\r" in value:
        value = _SPACES.sub(" ", value)
    return value.strip()


def _to_upper(text: str) -> str:
    """Upper case without accents (same length as ``text`` for Latin text, to slice both)."""
    return strip_accents(text).upper()


@lru_cache(maxsize=256)
def _city_pattern(city: str) -> re.Pattern:
    return re.compile(rf"(?:\s*[,/-]\s*|\s+){re.escape(city)}\b\.?(?:\s*[-/]\s*[A-Z]{{2}})?\s*$")


def _number(text: str) -> int | None:
    digits = text.replace(".", "")
    return int(digits) if digits.isdigit() and len(digits) <= 9 else None


def parse_address(value: object, *, city_names: tuple[str, ...] = (),
                  type_codes: tuple[tuple[str, str], ...] = ()) -> ParsedAddress:
    """Split one free-text address into street, number, complement, bairro, CEP (or corner).

    Understands "R. Gonçalves Chaves, 1234 - Centro", "RUA DA REPUBLICA 500 CIDADE BAIXA",
    "Rua Palmares - Jd Por do Sol nº 89", "Av Bento Gonçalves 8000 esq. Av. Antônio de Carvalho"
    (number and cross street both kept), "Rua XV de Novembro s/n", "nº 1.234", "km 12",
    "apto 302", "CEP 96015-560" and trailing ``city_names``. ``type_codes`` adds street-type
    codes ((code, type) pairs). Never raises: unusable input gets a ``problem`` reason code.
    """
    return _parse(value, tuple(city_names), tuple(type_codes)) if not isinstance(
        value, str) else _parse_text(value, tuple(city_names), tuple(type_codes))


@lru_cache(maxsize=100_000)
def _parse_text(value: str, city_names: tuple[str, ...], codes: tuple[tuple[str, str], ...]
                ) -> ParsedAddress:
    return _parse(value, city_names, codes)


def _parse(value: object, city_names: tuple[str, ...], codes: tuple[tuple[str, str], ...],
           simple: bool = True) -> ParsedAddress:
    text = _clean(value)
    if text is None:
        return _failed("invalid_address")
    if not text:
        return _failed("address_empty")
    up = _to_upper(text)
    if len(up) != len(text):
        text = up
    if simple and not city_names:  # the commonest shape, without the general search
        quick = _parse_simple(text, up, codes)
        if quick is not None:
            return quick
    cep = ""
    m = _CEP.search(up) if ("CEP" in up or "-" in up) else None
    if m:
        cep = _NON_DIGIT.sub("", m.group(1) or m.group(2))
        text, up = _cut(text, up, m.start(), m.end())
    for city in city_names:
        cu = strip_accents(city).upper()
        mm = _city_pattern(cu).search(up)
        if mm:
            text, up = text[: mm.start()], up[: mm.start()]
    mm = (_UF.search(up, max(0, len(up) - 8)) if up.rstrip()[-2:] in _UF_CODES else None)
    if mm and mm.start() > 0 and (up[: mm.start()].rstrip().endswith(",") or
                                  _UF_AFTER_DASH.search(up)):
        text, up = text[: mm.start()], up[: mm.start()]
    text, up = _strip(text, up)
    if not cep and up[-1:].isdigit():
        m = _CEP_BARE.search(up)
        if m and _DIGIT.search(up[: m.start()]):
            cep = m.group(1)
            text, up = _strip(text[: m.start()], up[: m.start()])
    if simple and cep:  # "Rua X, 12, CEP 96010-100": the rest may have the common shape
        quick = _parse_simple(text, up, codes, cep=cep)
        if quick is not None:
            return quick
    tc = dict(codes)
    extra = tuple(sorted(tc.items())) if tc else ()  # what normalize_street would key on
    first_t, first_u, cross = text, up, None
    split = _intersection_split(up, tc)
    if split is not None:
        a, b = split
        second_u = up[b:]
        first_t, first_u = _strip(text[:a], up[:a])
        second_t = text[b:]
        sec_street, _, _, _, _, _, sec_bairro, sec_nn = _street_and_number(second_t, second_u,
                                                                            tc)
        if sec_nn:  # a corner has no house number: "R. Projetada 4" is the name
            sec_street = sec_nn
        sec_name = _normalize(sec_street, extra) if sec_street else None
        if sec_name is not None and sec_name.key:
            cross = (sec_name, sec_bairro or sec_name.locality)
    street_t, number, suffix, kind, km, complement, bairro, name_number = _street_and_number(
        first_t, first_u, tc)
    if cross is not None and not bairro:
        bairro = cross[1]
    if kind == "number" and (number is None or number <= 0 or number > MAX_HOUSE_NUMBER):
        kind = "invalid"
    if not street_t or not _LETTER.search(street_t):
        return _failed("address_empty" if not street_t else "invalid_address", bairro=bairro,
                       cep=cep)
    street = _normalize(street_t, extra)
    if not street.key:
        return _failed("invalid_address", bairro=bairro, cep=cep)
    if not bairro and street.locality:
        bairro = street.locality
    problem = "invalid_number" if kind == "invalid" else ""
    return _parsed(street=street, number=number if kind == "number" else None,
                   number_suffix=suffix if kind == "number" else "", number_kind=kind,
                   km=km, complement=complement, bairro=bairro, cep=cep,
                   cross_street=cross[0] if cross else None, problem=problem,
                   name_number=name_number if kind == "number" else "")


#: the commonest shape: two or more words of letters (the first may be abbreviated with a
#: full stop, "R. Xavier"), then ", 123", " nº 123" or " 123", then maybe words of letters
#: (a bairro or a complement, after " - " or a space)
_SIMPLE = re.compile(r"((?:[A-Z]+\.? [A-Z]+)(?: [A-Z]+)*)"
                     r"(?:(,) ?|(?:, ?| )(?:(?:N|NO|NUM|NR)\.?|(NUMERO)) ?| )([0-9]{1,5})"
                     r"(?:( - | )([A-Z]{2,}(?: [A-Z]+)*))?")
#: words that send a simple-looking address through the full parser (a number mark, a word
#: that owns the number, a complement, a corner, "sem número", km, bairro)
_SIMPLE_LAST = frozenset({"N", "NO", "NUM", "NUMERO", "NR", "BR", "RS", "SC", "PR", "SP",
                          "ERS", "RST", "RSC", "KM", "QUADRA", "QD", "LOTE", "LT", "BLOCO", "BL",
                          "APTO", "AP", "CASA", "SALA", "TRAVESSA", "TV", "NUCLEO"})
_SIMPLE_INNER = frozenset({"APTO", "APT", "AP", "APARTAMENTO", "BLOCO", "BL", "FUNDOS", "FDS",
                           "CASA", "SALA", "LOJA", "LJ", "ANDAR", "TERREO", "LOTE", "LT",
                           "QUADRA", "QD", "BOX", "SOBRADO", "KITNET", "PROXIMO", "PROX",
                           "PERTO", "TORRE", "EDIFICIO", "EM", "AO"})


def _parse_simple(text: str, up: str, codes: tuple[tuple[str, str], ...], cep: str = ""
                  ) -> ParsedAddress | None:
    """The full parse of "STREET WORDS, 123" / "STREET WORDS nº 123" / "STREET WORDS 123"
    (letters and single spaces, the first word maybe abbreviated with a full stop, then a
    house number of up to five digits), or None when ``up`` has another shape or holds a word
    the full parser treats specially. It takes the same branches as :func:`_parse` for such
    strings (tests check both agree); ``cep`` is one already cut from the text."""
    m = _SIMPLE.fullmatch(up)
    if m is None or "ESQ" in up or " COM " in up or " X " in up or "SEM" in up \
            or "KM" in up or "BAIRRO" in up or "S." in up or "B." in up:
        return None
    words = m.group(1).split(" ")
    bare = m.group(2) is None and m.end(1) + 1 == m.start(4)  # one space between
    if bare and words[-1] in _SIMPLE_LAST:
        return None
    if not _SIMPLE_INNER.isdisjoint(words[1:]):
        return None
    number = int(m.group(4))
    if number <= 0:
        return None
    complement = bairro = suffix = ""
    rest = m.group(6)
    if rest is not None:
        rest_words = rest.split(" ")
        if rest_words[-1] in _UF_CODES:  # a state code at the end: the UF step decides
            return None
        if bare and m.group(5) == " " and rest_words[0] in PREPOSITIONS:
            return None  # "Rua 15 de Novembro": the number may be the name's
        complement, bairro, suffix = _classify_rest(text[m.start(6):], rest, True)
    street_t = text[: m.end(1)]
    tc = dict(codes)
    street = _normalize(street_t, tuple(sorted(tc.items())) if tc else ())
    if not street.key:
        return None
    return _parsed(street=street, number=number, number_suffix=suffix, number_kind="number",
                   km=None, complement=complement, bairro=bairro or street.locality, cep=cep,
                   cross_street=None, problem="",
                   name_number=f"{street_t} {number}" if bare else "")


def _cut(text: str, up: str, a: int, b: int) -> tuple[str, str]:
    return _strip(text[:a] + " " + text[b:], up[:a] + " " + up[b:])


def _strip(text: str, up: str) -> tuple[str, str]:
    """Trim separators and spaces at both ends of both versions alike."""
    n = len(up)
    i, j = 0, n
    while i < j and up[i] in " ,;-/":
        i += 1
    while j > i and up[j - 1] in " ,;-/":
        j -= 1
    return text[i:j], up[i:j]


def _is_street_head(up: str, codes: dict) -> bool:
    """True when ``up`` holds more than a street type (there is a name)."""
    words = up.replace(".", " ").split()
    if not words:
        return False
    if len(words) == 1:
        w = words[0]
        return w not in STREET_TYPES and w not in TYPE_CODES and w not in codes
    return True


def _intersection_split(up: str, codes: dict) -> tuple[int, int] | None:
    """Span of the first intersection marker with a street on each side, or None."""
    if not ("ESQ" in up or "C/" in up or " COM " in up or " X " in up or "&" in up):
        return None
    for m in _INTERSECTION.finditer(up):
        left, right = up[: m.start()].strip(" ,;-"), up[m.end():].strip(" ,;-")
        if not left or not right or not _UPPER.search(right):
            continue
        if not _is_street_head(left.split(",")[0], codes):
            continue
        if m.group(0).strip() in {"X", "COM"} and not _looks_like_street(right, codes):
            continue
        return m.start(), m.end()
    return None


def _looks_like_street(up: str, codes: dict) -> bool:
    first = up.replace(".", " ").split()[0]
    return first in TYPE_CODES or first in codes or len(up.split()) >= 2


def _street_and_number(text: str, up: str, codes: dict):
    """(street text, number, suffix, kind, km, complement, bairro) of one street part."""
    number, suffix, kind, km = None, "", "missing", None
    street_end, rest_start, rest_end = len(up), len(up), len(up)
    bare = False
    m = _SN.search(up) if ("S" in up and ("/" in up or "SEM" in up or "S." in up)) else None
    if m is not None:
        kind, street_end, rest_start = "sn", m.start(), m.end()
    elif "KM" in up and (m := _KM.search(up)) is not None and m.start() > 0:
        kind, street_end, rest_start = "km", m.start(), m.end()
        km = float(m.group(1).replace(",", "."))
    else:
        m = _find_number(up, codes)
        if m is not None:
            street_end, rest_start = m.start(), m.end()
            number, suffix = _number(m.group(1)), (m.group(2) or "")
            kind = "number" if number is not None else "invalid"
            bare = m.re is _BARE and not suffix
    street_t, street_u = _strip(text[:street_end], up[:street_end])
    rest_t, rest_u = _strip(text[rest_start:rest_end], up[rest_start:rest_end])
    complement, bairro, lone = _classify_rest(rest_t, rest_u, kind == "number" and not suffix)
    suffix = suffix or lone
    # a street part may still carry ", bairro" or a complement (no number found)
    pieces = _PARTS.split(street_u) if ("," in street_u or " -" in street_u
                                        or ";" in street_u) else (street_u,)
    if len(pieces) > 1 and kind in {"missing", "sn", "km"}:
        head = len(pieces[0])
        extra_c, extra_b, _ = _classify_rest(*_strip(street_t[head:], street_u[head:]), False)
        street_t, street_u = street_t[:head], street_u[:head]
        complement = " ".join(x for x in (extra_c, complement) if x)
        bairro = bairro or extra_b
    mc = _COMPLEMENT_IN.search(street_u)
    if mc is not None and _is_street_head(street_u[: mc.start()], codes):
        complement = " ".join(x for x in (street_t[mc.start():].strip(), complement) if x)
        street_t, street_u = _strip(street_t[: mc.start()], street_u[: mc.start()])
    mb = _BAIRRO_IN.search(street_u) if ("BAIRRO" in street_u or "B." in street_u) else None
    if mb is not None:
        bairro = bairro or street_t[mb.end():].strip()
        street_t = street_t[: mb.start()]
    street_t = street_t.strip(" ,;-")
    # "Rua Projetada 4" with no house number: the number may be the name's
    name_number = f"{street_t} {number}" if bare and number is not None else ""
    return street_t, number, suffix, kind, km, complement, bairro, name_number


def _find_number(up: str, codes: dict):
    # every match of these holds its character(s): N or #, a comma, a dash
    for rx, present in ((_MARKED, "N" in up or "#" in up), (_COMMA, "," in up),
                        (_DASH, "-" in up or "–" in up)):
        if not present:
            continue
        m = rx.search(up)
        if m is not None and _is_street_head(up[: m.start()].split(" - ")[0], codes):
            return m
    for m in _BARE.finditer(up):
        before = up[: m.start()]
        if not _is_street_head(before, codes):
            continue  # "RUA 2": the number is the name
        after = up[m.end():]
        if _NAME_NUMBER_BEFORE.search(before) or _NAME_NUMBER_AFTER.match(after) or (
                not m.group(2) and _SPACE_DIGIT.match(after)):
            continue  # "BR 116", "15 DE NOVEMBRO", "QUADRA 5", "RUA PROJETADA 12 345"
        return m
    return None


def _classify_rest(text: str, up: str, suffix_free: bool) -> tuple[str, str, str]:
    """Split what follows a number into (complement, bairro, number suffix)."""
    if not up:
        return "", "", ""
    if suffix_free and _UPPER.fullmatch(up):
        return "", "", up
    complement, bairro = [], ""
    pos = 0
    split = (_PARTS.split(up) if ("," in up or " -" in up or ";" in up or "–" in up)
             else (up,))
    for piece in split:
        start = up.find(piece, pos)
        pos = start + len(piece)
        orig = text[start:pos]
        if not piece:
            continue
        mb = _BAIRRO_WORD.match(piece)
        mv = _VALUED.match(piece)
        if mb is not None:
            bairro = bairro or orig[mb.end():].strip()
        elif mv is not None and not bairro and not _COMPLEMENT.match(piece[mv.end():]):
            complement.append(orig[: mv.end()].strip())  # "bloco B VILA CASTILHOS"
            bairro = orig[mv.end():].strip()
        elif _COMPLEMENT.match(piece):
            complement.append(orig)
        elif not bairro and _TWO_LETTERS.search(piece):
            bairro = orig
        else:
            complement.append(orig)
    return " ".join(complement), bairro, ""


def _failed(problem: str, *, bairro: str = "", cep: str = "") -> ParsedAddress:
    return _parsed(street=None, number=None, number_suffix="", number_kind="missing",
                   km=None, complement="", bairro=bairro, cep=cep, cross_street=None,
                   problem=problem, name_number="")


PARSED_COLUMNS = [
    "street_text", "street_type", "street_key", "street_short_key", "street_alt_key",
    "street_type_abbreviated",
    "number", "number_suffix", "number_kind", "km", "complement", "bairro", "cep",
    "cross_text", "cross_type", "cross_key", "cross_short_key", "cross_alt_key", "problem",
    "numname_text",
]


def parse_addresses(values, *, city_names: tuple[str, ...] = (),
                    type_codes: dict[str, str] | None = None) -> pd.DataFrame:
    """Parse many addresses (list, array or Series); each distinct string is parsed once.

    Returns a DataFrame aligned with the input (same index for a Series) with
    ``PARSED_COLUMNS``; ``number`` is a nullable Int64, ``bairro`` a :func:`normalize_bairro`
    key, ``problem`` is "" for usable rows.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    data = parsed_arrays(series.astype(object).to_numpy(), city_names=city_names,
                         type_codes=type_codes)
    num = data["number"]
    number = pd.array(np.where(num < 0, 0, num), dtype="Int64")
    number[num < 0] = pd.NA
    out = pd.DataFrame({k: (pd.Series(v, dtype=object) if v.dtype == object else v)
                        for k, v in data.items() if k != "number"})
    out.insert(PARSED_COLUMNS.index("number"), "number", number)
    out.index = series.index
    return out


def parsed_arrays(values: np.ndarray, *, city_names: tuple[str, ...] = (),
                  type_codes: dict[str, str] | None = None) -> dict[str, np.ndarray]:
    """:func:`parse_addresses` as a dict of arrays (``number`` −1 when there is none)."""
    obj = np.asarray(values, dtype=object)
    cities = tuple(city_names)
    tcodes = tuple(sorted((k.upper(), v.upper()) for k, v in (type_codes or {}).items()))
    if len(obj) and pd.api.types.infer_dtype(obj, skipna=False) == "string":
        codes, uniq = pd.factorize(obj)  # all strings: each distinct one parsed once
        rows = [_row_text(v, cities, tcodes) for v in uniq]
    else:
        keys = np.array([v if isinstance(v, str) else repr(v) if v is not None else ""
                         for v in obj], dtype=object)
        codes, first = _first_of_each(keys)
        rows = [_row_text(v, cities, tcodes) if isinstance(v, str) else
                _row(_parse(v, cities, tcodes)) for v in obj[first]]
    columns = list(zip(*rows)) if rows else [()] * len(PARSED_COLUMNS)
    data = {}
    for name, col in zip(PARSED_COLUMNS, columns):
        arr = np.empty(len(col), dtype=object)
        arr[:] = col
        data[name] = arr[codes]
    data["number"] = data["number"].astype(np.int64)
    data["km"] = data["km"].astype(float)
    data["street_type_abbreviated"] = data["street_type_abbreviated"].astype(bool)
    return data


@lru_cache(maxsize=100_000)
def _row_text(value: str, city_names: tuple[str, ...], codes: tuple[tuple[str, str], ...]
              ) -> tuple:
    return _row(_parse(value, city_names, codes))


def _row(p: ParsedAddress) -> tuple:
    """The PARSED_COLUMNS values of one parsed address."""
    s, c = p.street, p.cross_street
    return (
        s.text if s else "", s.street_type if s else "", s.key if s else "",
        s.short_key if s else "", s.alt_key if s else "",
        bool(s.type_abbreviated) if s else False,
        p.number if p.number is not None else -1,
        p.number_suffix, p.number_kind, p.km if p.km is not None else np.nan, p.complement,
        normalize_bairro(p.bairro), p.cep, c.text if c else "", c.street_type if c else "",
        c.key if c else "", c.short_key if c else "", c.alt_key if c else "", p.problem,
        p.name_number,
    )


def _first_of_each(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of each key (0..k-1 in order of first appearance) and the row of each first."""
    codes, uniq = pd.factorize(keys)
    first = np.full(len(uniq), -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    return codes, first
