"""Parsing and normalising Brazilian street addresses into street key, number, bairro and CEP."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

#: street types recognised at the start of a (standardised) street name
STREET_TYPES = frozenset({
    "RUA", "AVENIDA", "TRAVESSA", "ALAMEDA", "PRACA", "ESTRADA", "RODOVIA", "LARGO", "BECO",
    "PASSEIO", "VIELA", "VILA", "PASSAGEM", "VIA", "LADEIRA", "CAMINHO", "ACESSO", "PARQUE",
    "PRAIA", "QUADRA", "SERVIDAO", "TREVO", "VIADUTO", "PONTE", "ESTRADA VICINAL",
})
#: words dropped from the matching key (prepositions and articles)
STOPWORDS = frozenset({"DA", "DE", "DO", "DAS", "DOS", "D", "E"})
#: titles that people often leave out ("Rua Osório" for "Rua General Osório")
TITLES = frozenset({
    "GENERAL", "MARECHAL", "CORONEL", "DOUTOR", "DOUTORA", "PROFESSOR", "PROFESSORA", "PADRE",
    "TENENTE", "CAPITAO", "MAJOR", "SENADOR", "DEPUTADO", "PRESIDENTE", "ALMIRANTE",
    "BRIGADEIRO", "COMENDADOR", "DESEMBARGADOR", "ENGENHEIRO", "MONSENHOR", "VISCONDE", "BARAO",
    "CONSELHEIRO", "SARGENTO", "CABO", "SOLDADO", "MINISTRO", "GOVERNADOR", "PREFEITO",
    "VEREADOR", "DOM", "DONA", "FREI", "IRMAO", "IRMA", "MADRE", "MESTRE", "MAESTRO", "PASTOR", "BISPO", "CARDEAL", "CONEGO",
})
_ROMAN = re.compile(r"^(?=[IVXLC])(C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_UNITS = ["", "UM", "DOIS", "TRES", "QUATRO", "CINCO", "SEIS", "SETE", "OITO", "NOVE", "DEZ",
          "ONZE", "DOZE", "TREZE", "QUATORZE", "QUINZE", "DEZESSEIS", "DEZESSETE", "DEZOITO",
          "DEZENOVE"]
_TENS = ["", "", "VINTE", "TRINTA", "QUARENTA", "CINQUENTA", "SESSENTA", "SETENTA", "OITENTA",
         "NOVENTA"]
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}

#: largest house number accepted (larger ones are typing errors)
MAX_HOUSE_NUMBER = 99_999

_CEP = re.compile(r"(?:\bCEP\b\.?:?\s*)(\d{2}\.?\d{3}-?\d{3})\b|\b(\d{5}-\d{3})\b", re.I)
_CEP_BARE = re.compile(r"(?:^|[\s,])(\d{8})\s*$")
_SN = re.compile(r"\bs\s*/\s*n[º°o]?\b\.?|\bsem\s+n[uú]mero\b|\bS\.N\.", re.I)
_KM = re.compile(r"\bkm\.?\s*(\d+(?:[.,]\d+)?)", re.I)
_NUM_MARK = re.compile(
    r"(?:,\s*|\s+)(?:n[º°o]\.?|num\.?|n[uú]mero|#)\s*(\d+(?:\.\d{3})*)(?:\s*([A-Za-z])\b)?", re.I)
_COMMA_NUM = re.compile(
    r",\s*(\d+(?:\.\d{3})*)(?:-\d+)?(?:\s*([A-Za-z])(?![A-Za-z]))?(?=$|[\s,;/-])")
_SPACE_NUM = re.compile(r"\s(\d+(?:\.\d{3})*)(?:-\d+)?(?:\s*([A-Za-z]))?(?=\s*[,;/]|\s+-\s)")
_TRAIL_NUM = re.compile(r"^(.*?\S)\s+(\d+(?:\.\d{3})*)(?:-\d+)?(?:\s*([A-Za-z]))?$")
_INTERSECTION = re.compile(
    r"\s+(?:esquina(?:\s+(?:com|c/))?|esq\b\.?(?:\s*(?:com|c/))?|c/|com|x|&)\s+"
    r"|\s*\b(?:esq\.|c/)\s*|\s*&\s*", re.I)
_BAIRRO_MARK = re.compile(r"(?:\s+-\s+|,\s*)(?:bairro|b\.)\s+(.+)$|\s+-\s+(.+)$", re.I)
_COMPLEMENT = re.compile(
    r"\b(?:apto|apt|ap|apartamento|bloco|bl|fundos|fds|casa|cs|sala|sl|loja|lj|conjunto|cj|"
    r"andar|frente|terreo|térreo|lote|lt|quadra|qd|box|galpao|galpão|sobrado|kitnet)\b\.?.*$",
    re.I)
_SPACES = re.compile(r"\s+")
_UF = re.compile(r"(?:\s*[-/,]\s*|\s+)(?:RS|SC|PR|SP|RJ|MG)\s*$")


@dataclass(frozen=True)
class StreetName:
    """A standardised street name: its type, full text and the keys used to match it."""

    text: str  #: standardised, upper case, no accents ("RUA GONCALVES CHAVES")
    street_type: str  #: "RUA", "AVENIDA", ... or "" when none was written
    key: str  #: matching key: no type, no prepositions, numbers as words ("GONCALVES CHAVES")
    short_key: str  #: ``key`` without titles ("OSORIO" for "GENERAL OSORIO")


@dataclass(frozen=True)
class ParsedAddress:
    """One address split into its parts; ``problem`` says why it cannot be geocoded, if so."""

    street: StreetName | None
    number: int | None
    number_suffix: str
    number_kind: str  #: "number", "sn" (no number), "km", "missing", "invalid"
    km: float | None
    complement: str
    bairro: str
    cep: str  #: 8 digits or ""
    cross_street: StreetName | None  #: second street of an intersection
    problem: str  #: "" or a reason code ("address_empty", "invalid_address", "invalid_number")


def strip_accents(text: str) -> str:
    """Remove diacritics (ã → a, ö → o) and keep everything else."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def number_to_words(n: int) -> str:
    """Portuguese words for 0 < n < 1000 (street names like "Rua 15" = "Rua Quinze")."""
    if n <= 0 or n >= 1000:
        return str(n)
    if n < 20:
        return _UNITS[n]
    if n < 100:
        t, u = divmod(n, 10)
        return _TENS[t] + (f" E {_UNITS[u]}" if u else "")
    h, r = divmod(n, 100)
    head = "CEM" if (h == 1 and r == 0) else ["", "CENTO", "DUZENTOS", "TREZENTOS", "QUATROCENTOS",
                                              "QUINHENTOS", "SEISCENTOS", "SETECENTOS",
                                              "OITOCENTOS", "NOVECENTOS"][h]
    return head + (f" E {number_to_words(r)}" if r else "")


def roman_to_int(token: str) -> int | None:
    """Value of a roman numeral up to 399, or None if ``token`` is not one."""
    if not token or not _ROMAN.match(token):
        return None
    total = 0
    for a, b in zip(token, [*token[1:], ""]):
        v = _ROMAN_VALUES[a]
        total += -v if b and _ROMAN_VALUES[b] > v else v
    return total if total > 0 else None


def _standardise(raw: str) -> str:
    try:
        import enderecobr
    except ImportError as exc:  # pragma: no cover - a core dependency
        from hotspots._errors import MissingDependencyError

        raise MissingDependencyError(
            "address geocoding needs enderecobr (Brazilian address standardisation): "
            "pip install enderecobr"
        ) from exc
    return enderecobr.padronizar_logradouros(raw)


@lru_cache(maxsize=200_000)
def normalize_street(raw: str) -> StreetName:
    """Standardise a street name (abbreviations, accents, case) and build its matching keys.

    Abbreviations and titles are expanded by ``enderecobr`` ("R. Mal. Deodoro" → "RUA MARECHAL
    DEODORO"); numbers and roman numerals become words ("XV de Novembro", "15 de Novembro" →
    "QUINZE NOVEMBRO"), prepositions are dropped. Names in other languages pass through
    upper-cased and without accents (hyphens become spaces).
    """
    text = _standardise(raw.replace("-", " ")) if raw else ""
    text = _SPACES.sub(" ", strip_accents(text).upper().replace("-", " ").replace(".", " ")).strip()
    tokens = text.split(" ") if text else []
    stype = ""
    if len(tokens) > 1 and tokens[0] in STREET_TYPES:
        stype, tokens = tokens[0], tokens[1:]
    words: list[str] = []
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if tok.isdigit() and 0 < int(tok) < 1000:
            words.extend(number_to_words(int(tok)).split(" "))
            continue
        value = roman_to_int(tok) if (len(tok) >= 2 or nxt == "DE") else None
        if value is not None:
            words.extend(number_to_words(value).split(" "))
            continue
        words.append(tok)
    key_words = [w for w in words if w not in STOPWORDS] or words
    short = [w for w in key_words if w not in TITLES] or key_words
    return StreetName(text=text, street_type=stype, key=" ".join(key_words),
                      short_key=" ".join(short))


def _clean(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, bytes):
        for enc in ("utf-8", "cp1252"):
            try:
                value = value.decode(enc)
                break
            except UnicodeDecodeError:
                continue
    if not isinstance(value, str):
        return None
    if "\ufffd" in value or any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        return None
    return _SPACES.sub(" ", value).strip()


def _number(text: str) -> int | None:
    digits = text.replace(".", "")
    return int(digits) if digits.isdigit() and len(digits) <= 9 else None


def parse_address(value: object, *, city_names: tuple[str, ...] = ()) -> ParsedAddress:
    """Split one free-text address into street, number, complement, bairro, CEP (or intersection).

    Understands "R. Gonçalves Chaves, 1234 - Centro", "Av Bento Gonçalves esq. Rua Santa Cruz",
    "Rua XV de Novembro s/n", "nº 1.234", "km 12", "apto 302", "CEP 96015-560" and trailing city
    names given in ``city_names``. Never raises: unusable input gets a ``problem`` reason code.
    """
    text = _clean(value)
    if text is None:
        return _failed("invalid_address")
    if not text:
        return _failed("address_empty")
    cep = ""
    m = _CEP.search(text)
    if m:
        cep = re.sub(r"\D", "", m.group(1) or m.group(2))
        text = (text[: m.start()] + text[m.end():]).strip(" ,;-")
    for city in city_names:
        text = re.sub(rf"(?:\s*[,/-]\s*|\s+){re.escape(city)}\b\.?(?:\s*[-/]\s*[A-Z]{{2}})?\s*$",
                      "", text, flags=re.I)
    text = _UF.sub("", text).strip(" ,;-")
    parts = [p for p in _INTERSECTION.split(text, maxsplit=1) if p and p.strip(" ,;-")]
    if len(parts) == 2 and not _SN.search(parts[0]) and not _NUM_MARK.search(parts[0]):
        first, bairro = _split_bairro(parts[0])
        second, bairro2 = _split_bairro(parts[1])
        first = _COMPLEMENT.sub("", first).strip(" ,;-")
        second = _COMPLEMENT.sub("", _COMMA_NUM.sub("", second)).strip(" ,;-")
        if first and second:
            return ParsedAddress(
                street=normalize_street(first), number=None, number_suffix="",
                number_kind="missing", km=None, complement="", bairro=bairro or bairro2, cep=cep,
                cross_street=normalize_street(second), problem="")
    text, bairro = _split_bairro(text)
    if not cep:
        m = _CEP_BARE.search(text)
        if m and re.search(r"\d", text[: m.start()]):
            cep = m.group(1)
            text = text[: m.start()].strip(" ,;-")
    number, suffix, kind, km = None, "", "missing", None
    street_part, rest = text, ""
    if (m := _SN.search(text)) is not None:
        kind, street_part, rest = "sn", text[: m.start()], text[m.end():]
    elif (m := _KM.search(text)) is not None and m.start() > 0:
        kind, street_part, rest = "km", text[: m.start()], text[m.end():]
        km = float(m.group(1).replace(",", "."))
    elif ((m := _NUM_MARK.search(text)) is not None or (m := _COMMA_NUM.search(text)) is not None
          or (m := _SPACE_NUM.search(text)) is not None):
        street_part, rest = text[: m.start()], text[m.end():]
        number, suffix = _number(m.group(1)), (m.group(2) or "").upper()
        kind = "number" if number is not None else "invalid"
    else:
        head = _COMPLEMENT.sub("", text).strip(" ,;-")
        m = _TRAIL_NUM.match(head)
        if m and normalize_street(m.group(1)).key and \
                strip_accents(m.group(1)).upper() not in STREET_TYPES:
            street_part, rest = m.group(1), text[len(head):]
            number, suffix = _number(m.group(2)), (m.group(3) or "").upper()
            kind = "number" if number is not None else "invalid"
        else:
            street_part, rest = head, text[len(head):]
    street_part = _COMPLEMENT.sub("", street_part).strip(" ,;-")
    complement = rest.strip(" ,;-")
    if kind == "number" and (number is None or number <= 0 or number > MAX_HOUSE_NUMBER):
        kind = "invalid"
    if not street_part or not re.search(r"[^\W\d_]", street_part):
        return _failed("address_empty" if not street_part else "invalid_address",
                       bairro=bairro, cep=cep)
    street = normalize_street(street_part)
    problem = "invalid_number" if kind == "invalid" else ""
    return ParsedAddress(street=street, number=number if kind == "number" else None,
                         number_suffix=suffix if kind == "number" else "", number_kind=kind,
                         km=km, complement=complement, bairro=bairro, cep=cep,
                         cross_street=None, problem=problem)


def _split_bairro(text: str) -> tuple[str, str]:
    m = _BAIRRO_MARK.search(text)
    if not m:
        return text.strip(" ,;-"), ""
    bairro = (m.group(1) or m.group(2) or "").strip(" ,;-")
    if re.fullmatch(r"[\d\sA-Za-z]{0,2}\d+[A-Za-z]?", bairro):  # "Rua 7 - 12": not a bairro
        return text.strip(" ,;-"), ""
    return text[: m.start()].strip(" ,;-"), bairro


def _failed(problem: str, *, bairro: str = "", cep: str = "") -> ParsedAddress:
    return ParsedAddress(street=None, number=None, number_suffix="", number_kind="missing",
                         km=None, complement="", bairro=bairro, cep=cep, cross_street=None,
                         problem=problem)


def normalize_bairro(value: object) -> str:
    """Key for comparing bairro names: upper case, no accents, single spaces."""
    if not isinstance(value, str):
        return ""
    return _SPACES.sub(" ", strip_accents(value).upper().replace("-", " ")).strip()


PARSED_COLUMNS = [
    "street_text", "street_type", "street_key", "street_short_key", "number", "number_suffix",
    "number_kind", "km", "complement", "bairro", "cep", "cross_text", "cross_type", "cross_key",
    "cross_short_key", "problem",
]


def parse_addresses(values, *, city_names: tuple[str, ...] = ()) -> pd.DataFrame:
    """Parse many addresses (list, array or Series); each distinct string is parsed once.

    Returns a DataFrame aligned with the input (same index for a Series) with
    ``PARSED_COLUMNS``; ``number`` is a nullable Int64, ``problem`` is "" for usable rows.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    obj = series.astype(object).to_numpy()
    keys = np.array([v if isinstance(v, str) else repr(v) if v is not None else "" for v in obj],
                    dtype=object)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    rows = []
    for i in first:
        p = parse_address(obj[i], city_names=city_names)
        s, c = p.street, p.cross_street
        rows.append((
            s.text if s else "", s.street_type if s else "", s.key if s else "",
            s.short_key if s else "", p.number if p.number is not None else pd.NA,
            p.number_suffix, p.number_kind, p.km if p.km is not None else np.nan, p.complement,
            normalize_bairro(p.bairro), p.cep, c.text if c else "", c.street_type if c else "",
            c.key if c else "", c.short_key if c else "", p.problem,
        ))
    table = pd.DataFrame(rows, columns=PARSED_COLUMNS)
    table["number"] = table["number"].astype("Int64")
    out = table.iloc[inverse].reset_index(drop=True)
    out.index = series.index
    return out
