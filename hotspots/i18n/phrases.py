"""Sentences several outputs share, composed from run facts in the catalogue's words."""

from __future__ import annotations

import re

from hotspots.i18n.catalogue import language, text
from hotspots.i18n.formats import percent

__all__ = ["hot_rule_text", "reason_text"]


def hot_rule_text(rule: str | None, lang: str) -> str:
    """The week-over-week "hot" rule of the run (``hotspots.weekly``) in words in ``lang``."""
    if not rule:
        return ""
    if str(rule).startswith("Gi*"):
        return text("bulletin.rule_gi", lang)
    found = re.search(r"top\s+([0-9.]+)\s*%", str(rule))
    if found:
        return text("bulletin.rule_top", lang,
                    share=percent(float(found.group(1)) / 100, lang, digits=0))
    return str(rule) if language(lang) == "en" else str(rule)


def reason_text(code: str, lang: str) -> str:
    """A reject reason code ('outside_boundary') in words in ``lang``."""
    key = f"rejects.{code}"
    from hotspots.i18n.catalogue import has

    return text(key, lang) if has(key) else str(code)
