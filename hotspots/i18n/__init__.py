"""The message catalogue: every user-facing text of every output, in English and Portuguese (pt-BR).

One source, no build step. Each domain module of this package holds a table
``MESSAGES = {key: (english, portuguese)}``: the two texts of a message sit side by side, so a
message cannot exist in one language only, and a change of the English wording does not orphan
its translation (keys are ids, not English text as in gettext's msgids). Placeholders are
``str.format`` fields and must be the same in both texts (``tests/test_i18n.py`` checks it).

Domains: ``legend`` (classes and legends shared by map, QGIS and KML), ``fields`` (column
labels: tooltips, popups, KML balloons, CSV headers), ``map``, ``bulletin``, ``kml``,
``cli``, ``rejects`` (reject reasons), ``liaison`` (the liaison README), ``cards`` (patrol
cards), ``words`` (week days, yes/no…). Modules that already held their own two-language
tables keep them and are registered here as read-only domains, so every text is reachable
from one place and checked by the same tests: ``planning`` (``planning.wording.TEXTS``),
``council`` (``planning.sheet.SHEET_TEXTS``), ``near_repeat``
(``stats.near_repeat_text.TEXTS``), ``patrol_reasons`` (``prioritize._WORDS``),
``intervention`` (``intervention.texts.TEXT``) and ``emerging`` (the names of Esri's
categories).

Usage::

    from hotspots import i18n
    t = i18n.translator("pt")
    t("map.search")                      # 'Buscar rua'
    i18n.text("bulletin.week", "en")     # 'Week'
    i18n.number(1234.5, "pt", digits=1)  # '1.234,5'
"""

from __future__ import annotations

from hotspots.i18n.catalogue import (
    DOMAINS,
    LANGUAGES,
    Translator,
    domain,
    has,
    keys,
    language,
    registered,
    text,
    translator,
)
from hotspots.i18n.formats import date_text, number, numbers, percent, signed

__all__ = ["DOMAINS", "LANGUAGES", "Translator", "date_text", "domain", "has", "keys",
           "language", "number", "numbers", "percent", "registered", "signed", "text", "translator"]
