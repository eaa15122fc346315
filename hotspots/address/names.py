"""Street names standardised into type, name, locality and the keys that match them (pt-BR).

One function, :func:`normalize_street`, reads both the reference layer's names and the streets
written in addresses, so that both sides are keyed the same way:

- the street type is the first word when it is a type or a type code (:data:`TYPE_CODES`:
  "R."/"RUA", "AV", "TV", "AC" = ACESSO, "PSG" = PASSAGEM, "RTL" = ROTULA…; extendable per call);
- abbreviations of titles and common words are expanded (:data:`ABBREVIATIONS`: "Gal." →
  GENERAL, "Des." → DESEMBARGADOR, "Pe" before a name → PADRE, "S." → SAO, "N. Sra." → NOSSA
  SENHORA…); a few only with a full stop ("S.", "D.", "Com."), the others when a word follows;
- numbers and roman numerals become words ("XV de Novembro" = "15 de Novembro" = "QUINZE
  NOVEMBRO"; single letters are never read as roman numerals), ordinals become cardinals;
- the key drops only the prepositions DA/DE/DO/DAS/DOS; single letters ("Rua D") and numbers
  ("Rua 7") are names and stay; titles stay in the key and are left out only at the start of the
  ``short_key`` ("GENERAL OSORIO" → "OSORIO"; "VILA DO SARGENTO" keeps SARGENTO);
- a " - LOCALIDADE" (or "(LOCALIDADE)") suffix is split off as the ``locality``
  ("RUA PALMARES - JD POR DO SOL" → name PALMARES, locality JARDIM POR DO SOL).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

__all__ = [
    "ABBREVIATIONS",
    "PREPOSITIONS",
    "STREET_TYPES",
    "TITLES",
    "TYPE_CODES",
    "StreetName",
    "normalize_bairro",
    "normalize_street",
    "number_to_words",
    "roman_to_int",
    "split_locality",
    "strip_accents",
]

#: canonical street types (a name's first word when it is one of these, or a code of one)
STREET_TYPES = frozenset({
    "RUA", "AVENIDA", "TRAVESSA", "ALAMEDA", "PRACA", "ESTRADA", "RODOVIA", "LARGO", "BECO",
    "PASSEIO", "VIELA", "VILA", "PASSAGEM", "VIA", "LADEIRA", "CAMINHO", "ACESSO", "PARQUE",
    "PRAIA", "QUADRA", "SERVIDAO", "TREVO", "VIADUTO", "PONTE", "ESPLANADA", "ROTULA",
    "ROTATORIA", "DIRETRIZ", "ESCADARIA", "GALERIA", "CONDOMINIO", "LOTEAMENTO", "CONJUNTO",
    "BOULEVARD", "CORREDOR", "CALCADAO", "MARGINAL", "RETORNO", "SUBIDA", "RAMPA", "RUELA",
})
#: type codes and abbreviations of municipal layers and clerks → canonical type (and, after the
#: type, words that belong to the name: "RP" = "RUA PROJETADA"); extend with ``type_codes=``
TYPE_CODES: dict[str, str] = {
    "R": "RUA", "RU": "RUA", "AV": "AVENIDA", "AVE": "AVENIDA", "AVN": "AVENIDA",
    "AVD": "AVENIDA", "AVDA": "AVENIDA", "AVEN": "AVENIDA", "TV": "TRAVESSA", "TRAV": "TRAVESSA",
    "TRV": "TRAVESSA", "TR": "TRAVESSA", "TRA": "TRAVESSA", "AL": "ALAMEDA", "ALAM": "ALAMEDA",
    "PC": "PRACA", "PCA": "PRACA", "PRC": "PRACA", "EST": "ESTRADA",
    "ESTR": "ESTRADA", "ROD": "RODOVIA", "RDV": "RODOVIA", "LGO": "LARGO", "LG": "LARGO",
    "LRG": "LARGO", "BC": "BECO", "BCO": "BECO", "PQ": "PARQUE", "PRQ": "PARQUE",
    "VL": "VILA", "VLA": "VIELA", "VE": "VIELA", "AC": "ACESSO", "PSG": "PASSAGEM",
    "PAS": "PASSEIO", "DIR": "DIRETRIZ", "VA": "VIA", "LE": "LADEIRA", "LD": "LADEIRA",
    "LAD": "LADEIRA", "RP": "RUA PROJETADA", "ESP": "ESPLANADA", "RTL": "ROTULA",
    "ROT": "ROTULA", "RTT": "ROTATORIA", "SRV": "SERVIDAO", "SV": "SERVIDAO", "CAM": "CAMINHO",
    "ESC": "ESCADARIA", "ESD": "ESCADARIA", "VD": "VIADUTO", "VIAD": "VIADUTO",
    "PTE": "PONTE", "CJ": "CONJUNTO", "CONJ": "CONJUNTO", "COND": "CONDOMINIO",
    "LOT": "LOTEAMENTO", "QD": "QUADRA", "BLV": "BOULEVARD", "BVD": "BOULEVARD",
    "RTN": "RETORNO", "RMP": "RAMPA", "RLA": "RUELA",
    **{t: t for t in STREET_TYPES},
}
#: title and word abbreviations; value None = expanded by another rule (see ``_expand``)
ABBREVIATIONS: dict[str, str] = {
    "GEN": "GENERAL", "GAL": "GENERAL", "GRAL": "GENERAL", "MAL": "MARECHAL",
    "CEL": "CORONEL", "TEN": "TENENTE", "TTE": "TENENTE", "CAP": "CAPITAO", "CAPT": "CAPITAO",
    "MAJ": "MAJOR", "SGT": "SARGENTO", "SGTO": "SARGENTO", "SARG": "SARGENTO", "CB": "CABO",
    "SD": "SOLDADO", "SOLD": "SOLDADO", "BRIG": "BRIGADEIRO", "ALM": "ALMIRANTE",
    "ALMTE": "ALMIRANTE", "ALTE": "ALMIRANTE", "DR": "DOUTOR", "DRA": "DOUTORA",
    "PROF": "PROFESSOR", "PROFA": "PROFESSORA", "ENG": "ENGENHEIRO", "ENGA": "ENGENHEIRA",
    "DES": "DESEMBARGADOR", "DESEMB": "DESEMBARGADOR", "COMEND": "COMENDADOR",
    "COMD": "COMENDADOR", "COM": "COMENDADOR", "CONS": "CONSELHEIRO", "CONSEL": "CONSELHEIRO",
    "FR": "FREI", "VISC": "VISCONDE", "BAR": "BARAO", "BR": "BARAO", "IRM": "IRMAO",
    "PE": "PADRE", "PDE": "PADRE", "MONS": "MONSENHOR", "PRES": "PRESIDENTE",
    "GOV": "GOVERNADOR", "SEN": "SENADOR", "DEP": "DEPUTADO", "VER": "VEREADOR",
    "VEREAD": "VEREADOR", "MIN": "MINISTRO", "PREF": "PREFEITO", "DNA": "DONA", "D": "DOM",
    "STA": "SANTA", "STO": "SANTO", "S": "SAO", "SR": "SENHOR", "SRA": "SENHORA",
    "JD": "JARDIM", "JARD": "JARDIM", "VL": "VILA", "PQ": "PARQUE", "RES": "RESIDENCIAL",
    "RESID": "RESIDENCIAL", "LOT": "LOTEAMENTO", "CJ": "CONJUNTO", "CONJ": "CONJUNTO",
    "COND": "CONDOMINIO", "N": "NOSSA", "NS": "NOSSA", "NSA": "NOSSA",
}
#: abbreviations expanded only when written with a full stop (else they are names or words)
_DOT_ONLY = frozenset({"S", "D", "N", "COM", "BR", "BAR", "FR", "SD", "CB", "CAP", "RES", "MIN",
                       "VER", "DES", "CONS", "SR", "SRA", "LOT", "GAL", "SEN", "DEP", "PRES",
                       "JD", "VL", "PQ", "CJ", "COND", "CONJ"})
#: abbreviations also expanded without a full stop when another word (not a preposition) follows
_BARE_OK = frozenset(ABBREVIATIONS) - _DOT_ONLY | {"JD", "VL", "PQ"}
#: titles (left out at the start of the short key)
TITLES = frozenset({
    "GENERAL", "MARECHAL", "CORONEL", "DOUTOR", "DOUTORA", "PROFESSOR", "PROFESSORA", "PADRE",
    "TENENTE", "CAPITAO", "MAJOR", "SENADOR", "DEPUTADO", "PRESIDENTE", "ALMIRANTE",
    "BRIGADEIRO", "COMENDADOR", "DESEMBARGADOR", "ENGENHEIRO", "ENGENHEIRA", "MONSENHOR",
    "VISCONDE", "BARAO", "BARONESA", "CONSELHEIRO", "SARGENTO", "CABO", "SOLDADO", "MINISTRO",
    "GOVERNADOR", "PREFEITO", "VEREADOR", "DOM", "DONA", "FREI", "IRMAO", "IRMA", "MADRE",
    "MAESTRO", "PASTOR", "BISPO", "CARDEAL", "CONEGO", "CONDE", "CONDESSA", "DUQUE",
    "MARQUES", "JUIZ", "DESEMBARGADORA", "VISCONDESSA", "COMANDANTE",
})
#: types that also begin street names ("Vila Nova" may be the street "Rua Vila Nova")
_NAME_LIKE_TYPES = STREET_TYPES - {"RUA", "AVENIDA"}
#: full type words (5+ letters) recognised with one typo ("Trvessa", "Lrago") when a name
#: follows
_FUZZY_TYPES = tuple(sorted(t for t in STREET_TYPES if len(t) >= 5))
#: the only words dropped from the key
PREPOSITIONS = frozenset({"DA", "DE", "DO", "DAS", "DOS"})

_ORDINALS = {
    "PRIMEIRO": 1, "PRIMEIRA": 1, "SEGUNDO": 2, "SEGUNDA": 2, "TERCEIRO": 3, "TERCEIRA": 3,
    "QUARTO": 4, "QUARTA": 4, "QUINTO": 5, "QUINTA": 5, "SEXTO": 6, "SEXTA": 6, "SETIMO": 7,
    "SETIMA": 7, "OITAVO": 8, "OITAVA": 8, "NONO": 9, "NONA": 9, "DECIMO": 10, "DECIMA": 10,
}
_UNITS = ["", "UM", "DOIS", "TRES", "QUATRO", "CINCO", "SEIS", "SETE", "OITO", "NOVE", "DEZ",
          "ONZE", "DOZE", "TREZE", "QUATORZE", "QUINZE", "DEZESSEIS", "DEZESSETE", "DEZOITO",
          "DEZENOVE"]
_TENS = ["", "", "VINTE", "TRINTA", "QUARENTA", "CINQUENTA", "SESSENTA", "SETENTA", "OITENTA",
         "NOVENTA"]
_HUNDREDS = ["", "CENTO", "DUZENTOS", "TREZENTOS", "QUATROCENTOS", "QUINHENTOS", "SEISCENTOS",
             "SETECENTOS", "OITOCENTOS", "NOVECENTOS"]
_ROMAN = re.compile(r"^(?=[IVXLC])(C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_ACCENTS = str.maketrans("ÁÀÂÃÄÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÇÑáàâãäéèêëíìîïóòôõöúùûüçñºª°–—´`’‘",
                         "AAAAAEEEEIIIIOOOOOUUUUCNaaaaaeeeeiiiiooooouuuucnoao--" + "'" * 4)
_ORDINAL_MARK = re.compile(r"(\d+)\s*[ºª°]")
_TOKEN = re.compile(r"[A-Z0-9]+\.?")
_LOCALITY = re.compile(r"\s+[-–—]\s+|\s*\(\s*")
_SPACES = re.compile(r"\s+")
_BAIRRO_WORD = re.compile(r"^BAIRRO\s+|^B\.\s*")


@dataclass(frozen=True)
class StreetName:
    """A standardised street name: its type, name, locality and the keys used to match it."""

    text: str  #: standardised, upper case, no accents ("RUA GENERAL OSORIO")
    street_type: str  #: "RUA", "AVENIDA", ... or "" when none was written
    key: str  #: type and prepositions left out, numbers as words ("GENERAL OSORIO")
    short_key: str  #: ``key`` without leading titles ("OSORIO")
    locality: str  #: " - LOCALIDADE" suffix as a bairro key ("JARDIM POR DO SOL") or ""
    alt_key: str = ""  #: key with the first word kept when it was read as a type ("VILA NOVA")
    type_abbreviated: bool = False  #: the type was written as a code or abbreviation ("R.")


def _street_name(**fields) -> StreetName:
    """A StreetName without the frozen dataclass's per-field ``__setattr__`` (the same object;
    every field given)."""
    obj = object.__new__(StreetName)
    obj.__dict__.update(fields)
    return obj


def strip_accents(text: str) -> str:
    """Remove diacritics (ã → a, ö → o) and keep everything else."""
    if text.isascii() and "`" not in text:  # nothing to translate (the only ASCII entry)
        return text
    out = text.translate(_ACCENTS)
    if out.isascii():
        return out
    return "".join(c for c in unicodedata.normalize("NFKD", out) if not unicodedata.combining(c))


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
    head = "CEM" if (h == 1 and r == 0) else _HUNDREDS[h]
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


def _upper(raw: str) -> str:
    text = _ORDINAL_MARK.sub(r"\1", raw) if ("º" in raw or "ª" in raw or "°" in raw) else raw
    text = strip_accents(text).upper()
    if "'" in text or "`" in text or "´" in text:
        text = text.replace("'", "").replace("`", "").replace("´", "")
    if "  " in text or "\t" in text or "\n" in text:
        text = _SPACES.sub(" ", text)
    return text.strip()


def split_locality(text: str) -> tuple[str, str]:
    """Split "NAME - LOCALITY" (or "NAME (LOCALITY)") into its two parts (locality may be "")."""
    m = _LOCALITY.search(text) if (" -" in text or "(" in text or "–" in text
                                    or "—" in text) else None
    if not m or m.start() == 0:
        return text.strip(), ""
    return text[: m.start()].strip(), text[m.end():].strip(" )-–—")


def normalize_bairro(value: object) -> str:
    """Key for comparing bairro (and locality) names: upper case, no accents, abbreviations
    expanded ("Jd. América" = "JARDIM AMERICA", "Vl Nova" = "VILA NOVA")."""
    if not isinstance(value, str) or not value.strip():
        return ""
    return _bairro(value)


@lru_cache(maxsize=50_000)
def _bairro(value: str) -> str:
    text = _upper(value).replace("-", " ").replace("/", " ")
    text = _BAIRRO_WORD.sub("", text)
    words = []
    for tok in _TOKEN.findall(text):
        bare = tok.rstrip(".")
        full = {"JD": "JARDIM", "JARD": "JARDIM", "VL": "VILA", "PQ": "PARQUE",
                "RES": "RESIDENCIAL", "RESID": "RESIDENCIAL", "LOT": "LOTEAMENTO",
                "CJ": "CONJUNTO", "CONJ": "CONJUNTO", "COND": "CONDOMINIO", "STA": "SANTA",
                "STO": "SANTO", "NS": "NOSSA", "SRA": "SENHORA", "N": "NOSSA",
                "S": "SAO"}.get(bare)
        words.append(full if full and (tok.endswith(".") or len(bare) > 1) else bare)
    return " ".join(w for w in words if w)


def normalize_street(raw: str, *, type_codes: Mapping[str, str] | None = None) -> StreetName:
    """Standardise a street name and build its matching keys (see the module docstring).

    ``type_codes`` adds to (or overrides) :data:`TYPE_CODES` ("DIR": "DIRETRIZ"). Names in other
    languages pass through upper-cased and without accents (hyphens become spaces).
    """
    extra = tuple(sorted((k.upper(), v.upper()) for k, v in (type_codes or {}).items()))
    return _normalize(raw or "", extra)


@lru_cache(maxsize=200_000)
def _normalize(raw: str, extra: tuple[tuple[str, str], ...]) -> StreetName:
    return _normalize_upper(_upper(raw), extra)  # "rua x" and "RUA X" share the work


@lru_cache(maxsize=200_000)
def _normalize_upper(upper: str, extra: tuple[tuple[str, str], ...]) -> StreetName:
    codes = TYPE_CODES if not extra else {**TYPE_CODES, **dict(extra)}
    name_part, locality = split_locality(upper)
    if "-" in name_part or "/" in name_part:
        name_part = name_part.replace("-", " ").replace("/", " ")
    tokens = _TOKEN.findall(name_part)
    locality = normalize_bairro(locality) if locality else ""
    if not tokens:
        return _street_name(text="", street_type="", key="", short_key="", locality=locality,
                            alt_key="", type_abbreviated=False)
    stype = ""
    head_words: list[str] = []
    if len(tokens) > 2 and (tokens[0].isdigit() or tokens[0] in _ORDINALS) and \
            tokens[1].rstrip(".") in codes:  # "1ª Travessa X" = "Primeira Travessa X" = "Travessa 1 X"
        tokens = [tokens[1], str(_ORDINALS.get(tokens[0], tokens[0])), *tokens[2:]]
    first = tokens[0].rstrip(".")
    alt_first = ""
    abbreviated = False
    typed = ""
    if len(tokens) > 1 and first not in codes and len(first) >= 4 and first.isalpha() and \
            first not in ABBREVIATIONS and first not in TITLES:
        near = _fuzzy_type(first)
        if near:  # "Trvessa", "Lrago": the type with a typo (the word is kept for alt_key)
            typed, first = first, near
            tokens = [first, *tokens[1:]]
    if len(tokens) > 1 and first in codes and not first.isdigit():
        expansion = codes[first].split(" ")
        if expansion[0] in STREET_TYPES:
            stype, head_words = expansion[0], expansion[1:]
            dotted = tokens[0].endswith(".")
            tokens = tokens[1:]
            # a type word that may begin the name ("Vila Nova"), or a one-letter code without
            # a full stop that may be the name ("R Vila Nova": Rua Vila Nova, or the street R?)
            alt_first = typed or (first if (first in _NAME_LIKE_TYPES or (
                len(first) == 1 and not dotted)) else "")
            abbreviated = first not in STREET_TYPES
    words = head_words + _expand(tokens)
    text = " ".join([stype, *words]).strip()
    key_words = _key_words(words)
    key = " ".join(key_words)
    short = key_words
    while len(short) > 1 and short[0] in TITLES:
        short = short[1:]
    alt = " ".join(_key_words([alt_first, *words])) if alt_first else ""
    return _street_name(text=text, street_type=stype, key=key, short_key=" ".join(short),
                        locality=locality, alt_key=alt,
                        type_abbreviated=abbreviated)


def _deletions(word: str) -> set[str]:
    return {word[:j] + word[j + 1:] for j in range(len(word))} | {word}


_TYPE_DELETIONS: dict[str, set[str]] = {}
for _t in _FUZZY_TYPES:
    for _v in _deletions(_t):
        _TYPE_DELETIONS.setdefault(_v, set()).add(_t)


@lru_cache(maxsize=50_000)
def _fuzzy_type(token: str) -> str:
    """The one type word within one edit (OSA) of ``token``, or ""."""
    cands: set[str] = set()
    for v in _deletions(token):
        cands |= _TYPE_DELETIONS.get(v, set())
    near = [t for t in cands if OSA.distance(token, t, score_cutoff=1) <= 1]
    return near[0] if len(near) == 1 else ""


@lru_cache(maxsize=100_000)
def _word_key(word: str, before_de: bool) -> tuple[str, ...]:
    """The key words of one name word: numbers, ordinals and roman numerals as words."""
    if word.isdigit() and 0 < int(word) < 1000:
        return tuple(number_to_words(int(word)).split(" "))
    if word in _ORDINALS and before_de:  # "Primeiro de Maio" = "1º de Maio"; not "Sétimo Nocchi"
        return tuple(number_to_words(_ORDINALS[word]).split(" "))
    value = roman_to_int(word) if (len(word) >= 2 or before_de) else None
    if value is not None:
        return tuple(number_to_words(value).split(" "))
    return (word,)


def _key_words(words: list[str]) -> list[str]:
    out: list[str] = []
    last = len(words) - 1
    for i, w in enumerate(words):
        if w.lstrip("IVXLC") and w not in _ORDINALS and not w.isdigit():
            out.append(w)  # not a number, ordinal or roman numeral: _word_key gives (w,)
        else:
            out.extend(_word_key(w, i < last and words[i + 1] == "DE"))
    kept = [w for w in out if w not in PREPOSITIONS]
    return kept or out


def _expand(tokens: list[str]) -> list[str]:
    """Expand abbreviations: with a full stop, or bare when a non-preposition word follows."""
    out: list[str] = []
    n = len(tokens)
    i = 0
    while i < n:
        tok = tokens[i]
        dot = tok.endswith(".")
        bare = tok.rstrip(".")
        nxt = tokens[i + 1].rstrip(".") if i + 1 < n else ""
        # "N. Sra." / "Ns Sra" / "Nsa. Sra." / "Nossa Sra" → NOSSA SENHORA
        if bare in {"N", "NS", "NSA", "NOSSA"} and nxt in {"SRA", "SENHORA", "S"} and (
                dot or bare != "N"):
            out.extend(["NOSSA", "SENHORA"])
            i += 2
            continue
        if bare == "BR" and nxt.isdigit():  # federal highway BR-116
            out.append("BR")
            i += 1
            continue
        full = ABBREVIATIONS.get(bare)
        if full and nxt and (dot or (bare in _BARE_OK and nxt not in PREPOSITIONS)):
            out.append(full)
        else:
            out.append(bare)
        i += 1
    return out
