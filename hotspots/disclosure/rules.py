"""The disclosure rules a layer's liaison columns are released under, and their settings (light).

Every column a police liaison may receive is declared in the layer registry
(:data:`hotspots.layers.LAYERS`, ``disclosure=``) with one :class:`Rule`:

``public``
    does not depend on incidents (geometry, names, lamps, lengths, ids): released as is;
``count``
    a number of incidents. Withheld (null, status ``k_rule``) when it is 1 … k−1, when it is
    a part of a shown whole (``part_of``: night incidents within the segment's count; a
    patrol cell within the segment's count in another layer, ``margin``) whose rest is
    1 … k−1, when its whole is withheld, and below a withheld value of the same rank order
    (``ranked``); withheld on any unit shorter than the minimum length (status
    ``min_length``). Zero is shown on units long enough;
``derived``
    computed from counts (rates, shares, per-week figures): null whenever one of its sources
    is withheld (it shares the source's status);
``recomputed``
    a class computed from counts (Gi* class, local Moran class, emerging category): the
    release computes it again on the *protected* counts — every withheld count replaced by
    the mean of the values it could take given what is released — so it carries nothing
    about a hidden count that the release does not already say; ``gate`` withholds it where
    that recomputed neighbourhood count is 1 … k−1. Without the statistics to recompute it
    the column is left out;
``text``
    words built from counts: when a source is withheld the text is rewritten without the
    number (``redact`` names how) or left out;
``status``
    the per-field status columns the release writes (``<field>_status``: null when shown,
    ``k_rule`` or ``min_length`` when withheld);
``protected``
    a layer released by its own rule upstream (the near-repeat zones reached by k or more
    incidents): taken only from the release's protected layers, never from the analyst's.

A column without a rule is never released (the release refuses it, a test fails).
"""

from __future__ import annotations

from dataclasses import dataclass

from hotspots.config.disclosure import DisclosureSettings

__all__ = ["KINDS", "STATUS_K", "STATUS_SHORT", "DisclosureSettings", "Rule", "count",
           "derived", "protected", "public", "recomputed", "status", "text"]

KINDS = ("public", "count", "derived", "recomputed", "text", "status", "protected")
#: status of a value withheld to protect counts below k (itself 1 … k−1, or it would reveal one)
STATUS_K = "k_rule"
#: status of a count withheld because its unit is shorter than the minimum length
STATUS_SHORT = "min_length"


@dataclass(frozen=True)
class Rule:
    """How one liaison column is released (see the module docstring)."""

    kind: str
    #: derived/text: the columns it is computed from; count: the whole it is a part of
    sources: tuple[str, ...] = ()
    #: count: (layer, column) of the whole in another layer, joined on ``key``
    margin: tuple[str, str] | None = None
    key: str | None = None
    #: count: (group column, rank column): ranks within a group follow the count
    ranked: tuple[str, str] | None = None
    #: recomputed: name of the released statistic; gate: its neighbourhood count column
    statistic: str | None = None
    gate: str | None = None
    #: text: how the words are rewritten when a source is withheld (see disclosure.model)
    redact: str | None = None
    #: one line: why releasing it this way is safe
    why: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"disclosure rule kind {self.kind!r}; use one of {KINDS}")


def public(why: str) -> Rule:
    """A column that does not depend on incidents (say why)."""
    return Rule("public", why=why)


def count(*, part_of: str | None = None, margin: tuple[str, str] | None = None,
          key: str | None = None, ranked: tuple[str, str] | None = None) -> Rule:
    """A number of incidents (see the module docstring)."""
    return Rule("count", sources=(part_of,) if part_of else (), margin=margin, key=key,
                ranked=ranked, why="counts: 0 or k or more, on units long enough")


def derived(*sources: str) -> Rule:
    """A value computed from the counts ``sources``: null when one of them is withheld."""
    return Rule("derived", sources=tuple(sources), why="null with its counts")


def recomputed(statistic: str, *, gate: str | None = None) -> Rule:
    """A class recomputed on the protected counts (``statistic`` names the column of the
    release's statistics to take it from)."""
    return Rule("recomputed", statistic=statistic, gate=gate,
                why="computed again from the released counts only")


def text(*sources: str, redact: str | None = None) -> Rule:
    """Words built from the counts ``sources``, rewritten by ``redact`` when one is withheld."""
    return Rule("text", sources=tuple(sources), redact=redact,
                why="rewritten without the number when it is withheld")


def status() -> Rule:
    """A status column written by the release."""
    return Rule("status", why="which values are withheld, and by which rule")


def protected(by: str) -> Rule:
    """A value released by its own rule upstream (``by`` names the function)."""
    return Rule("protected", statistic=by, why=f"released by {by}")
