"""Legend texts of the shared symbology, read from the message catalogue (``hotspots.i18n``)."""

from __future__ import annotations

import dataclasses

from hotspots._errors import ValidationError
from hotspots.i18n.catalogue import LANGUAGES
from hotspots.i18n.legend import MESSAGES as _LEGEND

__all__ = ["TEXTS", "language", "number_text", "text", "translated"]

#: the legend domain of the message catalogue (hotspots/i18n/legend.py), by language
TEXTS: dict[str, dict[str, str]] = {
    lang: {key: pair[i] for key, pair in _LEGEND.items()} for i, lang in enumerate(LANGUAGES)
}


def language(lang: str) -> str:
    """'en' or 'pt' for a language tag ('pt-BR', 'pt_BR', 'en-GB'…); anything else is an error."""
    code = str(lang).lower().replace("_", "-").split("-")[0]
    if code not in TEXTS:
        raise ValidationError(f"language {lang!r} is not supported; use 'pt' (or 'pt-BR', "
                              "português) or 'en' (English)")
    return code


def text(key: str, lang: str = "en", **values) -> str:
    """The label ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``."""
    return TEXTS[language(lang)][key].format(**values)


def number_text(x: float, lang: str = "en") -> str:
    """A class edge as legends show it (``%g``; decimal comma in Portuguese)."""
    s = f"{x:g}"
    return s.replace(".", ",") if language(lang) == "pt" else s


def translated(cls, lang: str):
    """``cls`` (a Category or Range) with its label in ``lang`` (unchanged if it has no key)."""
    return dataclasses.replace(cls, label=text(cls.key, lang)) if cls.key else cls
