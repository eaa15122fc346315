"""Sentences several outputs share, composed from run facts in the catalogue's words."""

from __future__ import annotations

import re

from hotspots.i18n.catalogue import text
from hotspots.i18n.formats import percent

__all__ = ["hot_rule_text", "reason_text", "skip_text"]


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
    return str(rule)  # a rule the catalogue has no words for is shown as configured


def reason_text(code: str, lang: str) -> str:
    """A reject reason code ('outside_boundary') in words in ``lang``."""
    key = f"rejects.{code}"
    from hotspots.i18n.catalogue import has

    return text(key, lang) if has(key) else str(code)


_SKIPS = (
    (r"no finished week with incidents", "skip.no_week", ()),
    (r"near_repeat\.in_weekly is false", "skip.nr_off", ()),
    (r"the hot-spot statistics did not run", "skip.no_weights", ()),
    (r"no geocoded incident$", "skip.no_incident", ()),
    (r"only (\d+) complete (\w+?)s of data before the end of the analysis; emerging hot spots "
     r"need at least (\d+)", "skip.few_steps", ("n", "unit", "min")),
    (r"only (\d+) incidents in the (\d+) weeks before (\d{4}-\d\d-\d\d); the Knox table",
     "skip.few_incidents", ("n", "weeks", "date")),
    (r"no previous week: (\S+) is the first week of the data", "skip.first_week", ("week",)),
)


def skip_text(reason: str | None, lang: str) -> str:
    """Why a step did not run (the pipeline's reason, in English) in words in ``lang``; a
    reason not known here is shown as it is."""
    if not reason:
        return ""
    from hotspots.i18n.catalogue import has
    from hotspots.i18n.formats import date_text

    for pattern, key, names in _SKIPS:
        found = re.search(pattern, str(reason))
        if found:
            values = dict(zip(names, found.groups()))
            if "unit" in values and has(f"words.unit.{values['unit']}"):
                values["unit"] = text(f"words.unit.{values['unit']}", lang)
            if "date" in values:
                values["date"] = date_text(values["date"], lang)
            return text(f"words.{key}", lang, **values)
    return str(reason)
