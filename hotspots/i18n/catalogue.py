"""Looking messages up: domains of (English, Portuguese) pairs, a translator per language."""

from __future__ import annotations

import importlib
from functools import cache

from hotspots._errors import ValidationError

__all__ = ["DOMAINS", "LANGUAGES", "Translator", "domain", "has", "keys", "language",
           "registered", "text", "translator"]

#: the languages of every output, in the order of the pairs in each MESSAGES table
LANGUAGES = ("en", "pt")
#: the catalogue's own domains (modules of this package holding ``MESSAGES``)
DOMAINS = ("legend", "fields", "map", "bulletin", "kml", "cli", "rejects", "liaison", "cards",
           "words")
#: two-language tables kept by their domain modules: name -> (module, attribute, shape)
#: shape "lang-dict" is {lang: {key: text}}; "codes" is {lang: {key: text}} under "pt"/"en"
REGISTERED = {
    "planning": ("hotspots.planning.wording", "TEXTS"),
    "council": ("hotspots.planning.sheet", "SHEET_TEXTS"),
    "near_repeat": ("hotspots.stats.near_repeat_text", "TEXTS"),
    "patrol_reasons": ("hotspots.prioritize", "_WORDS"),
    "intervention": ("hotspots.intervention.texts", "TEXT"),
}


def language(tag: str) -> str:
    """'en' or 'pt' for a language tag ('pt-BR', 'pt_BR', 'en-GB'…); anything else is an error."""
    code = str(tag).strip().lower().replace("_", "-").split("-")[0]
    if code not in LANGUAGES:
        raise ValidationError(f"language {tag!r} is not supported; use 'pt' (or 'pt-BR', "
                              "português) or 'en' (English)")
    return code


@cache
def domain(name: str) -> dict[str, tuple[str, str]]:
    """The ``{key: (english, portuguese)}`` table of one catalogue domain."""
    if name not in DOMAINS:
        raise ValidationError(f"unknown message domain {name!r}; one of {list(DOMAINS)}")
    module = importlib.import_module(f"hotspots.i18n.{name}")
    return module.MESSAGES


@cache
def _flat() -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for name in DOMAINS:
        for key, pair in domain(name).items():
            out[f"{name}.{key}"] = pair
    return out


def keys() -> tuple[str, ...]:
    """Every key of the catalogue's own domains ('map.search', 'legend.gi.3'…)."""
    return tuple(_flat())


def has(key: str) -> bool:
    """Whether ``key`` ('domain.name') is in the catalogue."""
    return key in _flat()


def text(key: str, lang: str = "en", **values) -> str:
    """The message ``key`` ('domain.name') in ``lang``, placeholders filled from ``values``."""
    pair = _flat().get(key)
    if pair is None:
        raise KeyError(f"no message {key!r} in the catalogue (hotspots/i18n)")
    raw = pair[LANGUAGES.index(language(lang))]
    return raw.format(**values) if values else raw


def registered(name: str) -> dict[str, dict]:
    """A two-language table kept by its domain module, as ``{lang: {key: text}}``."""
    module, attr = REGISTERED[name]
    return getattr(importlib.import_module(module), attr)


class Translator:
    """``t(key, **values)``: messages of one language, keys relative to an optional domain."""

    def __init__(self, lang: str, prefix: str = ""):
        self.lang = language(lang)
        self.prefix = f"{prefix}." if prefix else ""

    def __call__(self, key: str, **values) -> str:
        return text(self.prefix + key, self.lang, **values)

    def __getitem__(self, key: str) -> str:
        return text(self.prefix + key, self.lang)

    def get(self, key: str, default: str | None = None) -> str | None:
        """The message, or ``default`` when the catalogue has no such key."""
        return self(key) if has(self.prefix + key) else default

    def domain(self, prefix: str) -> Translator:
        """A translator of the same language for keys under ``prefix``."""
        return Translator(self.lang, prefix)


def translator(lang: str, prefix: str = "") -> Translator:
    """A :class:`Translator` for ``lang`` (keys under ``prefix`` when given)."""
    return Translator(lang, prefix)
