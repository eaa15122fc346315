"""Writing a run's patrol cards (analyst's and liaison's folders) from the tables given."""

from __future__ import annotations

from pathlib import Path

from hotspots.pipeline.result import WeekResult

__all__ = ["write_cards"]


def write_cards(result: WeekResult, path: Path, *, patrol, segments, zones,
                privacy_k: int | None) -> Path:
    """The patrol cards of the run from the tables given (analyst's or liaison's).

    Over the run's streets, the cards take the run's cross streets and the shift maps the
    run's other card set drew (``WeekResult.card_streets``, ``card_maps``: a map is reused
    only where it :meth:`~hotspots.patrol_cards.ShiftMap.fits`), so that neither is made
    twice."""
    from hotspots import i18n
    from hotspots.patrol_cards import write_patrol_cards

    lang = result.config.parameters.language
    summary = result.summary_dict
    dates = summary.get("week_dates") or {}
    week_dates = (f"{i18n.date_text(dates['first'], lang)} – "
                  f"{i18n.date_text(dates['last'], lang)}" if dates else "")
    if patrol is None:
        patrol = result.patrol.iloc[0:0]
    # the run's cross streets and street names (computed once for both folders' cards) when
    # these are the run's segments and patrol segments (the liaison's keep the analyst's ids
    # and geometry); else computed for these cards
    streets, maps = None, None
    if len(patrol) and "segment_id" in patrol and segments.index.equals(result.segments.index):
        streets = result.card_streets
        if patrol["segment_id"].isin(streets.crosses.index).all():
            maps = result.card_maps
        else:
            streets = None
    return write_patrol_cards(patrol, segments, path, language=lang, title=result.config.title,
                              week=summary.get("week"), week_dates=week_dates, zones=zones,
                              privacy_k=privacy_k, streets=streets, maps=maps)
