"""The week slider layer: segments coloured by their incidents in the ISO week chosen on a slider.

The counts travel as one compact array per segment (only segments with at least one incident in
the window); geometry is not repeated: each row points into the segments ``Dataset``. The JS
side (``assets/hotspots-weekly.js``) restyles the same polylines when the slider moves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from folium.map import Layer
from jinja2 import Template

from hotspots import symbology as sym
from hotspots._errors import ValidationError
from hotspots.maps.layers import Dataset, line_style, safe_json
from hotspots.maps.offline import RawMacros
from hotspots.weekly import week_columns

__all__ = ["WeeklyLayer", "weekly_matrix"]


def weekly_matrix(weekly: pd.DataFrame, segment_ids: pd.Index
                  ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(row of each kept segment in ``segment_ids``, counts [segments × weeks] as float with NaN
    for suppressed, week labels). Keeps segments with at least one incident (or a suppressed
    count) in the window; a segment id not among the map's segments is an error."""
    cols = week_columns(weekly)
    if not cols:
        raise ValidationError(
            "the weekly counts have no week column; expected columns named like '2026_W41' or "
            f"'2026-W41' (one per ISO week, as the weekly run writes); got {list(weekly.columns)[:8]}"
        )
    if not segment_ids.is_unique:
        raise ValidationError("segment ids must be unique to draw weekly counts")
    values = weekly[list(cols)].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    rows = segment_ids.get_indexer(weekly.index)
    missing = weekly.index[rows < 0]
    if len(missing):
        raise ValidationError(
            f"{len(missing)} segment id(s) of the weekly counts are not among the map's segments "
            f"(e.g. {list(missing[:5])}); pass the weekly table of the same run as the segments"
        )
    keep = np.nansum(values, axis=1) > 0
    keep |= np.isnan(values).any(axis=1)
    return rows[keep], values[keep], list(cols.values())


class WeeklyLayer(Layer, RawMacros):
    """A switchable layer of segments coloured by incidents in the week chosen on a slider."""

    _template = Template(
        "{% macro script(this, kwargs) %}var {{ this.get_name() }} = hsWeekly("
        "{{ this.dataset.get_name() }}, {{ this.spec }});{% endmacro %}"
    )

    def __init__(self, dataset: Dataset, weekly: pd.DataFrame, segment_ids: pd.Index, *,
                 name: str | None = None, show: bool = False, k: int | None = None,
                 lang: str = "en", lower_bounds: tuple[int, ...] | None = None):
        name = name or sym.text("week.layer", lang)
        self.lang = lang
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "hs_weekly"
        self.dataset = dataset
        rows, values, weeks = weekly_matrix(weekly, segment_ids)
        present = np.asarray(dataset.present, dtype=bool)
        drawn = present[rows] if len(rows) else np.zeros(0, dtype=bool)
        rows, values = rows[drawn], values[drawn]
        self.weeks = weeks
        self.n_segments = len(rows)
        self.classes = sym.count_classes(values, lower_bounds=lower_bounds, lang=lang)
        self.suppressed = bool(np.isnan(values).any())
        styles = [line_style(sym.WEEK_ZERO.color, sym.WEEK_ZERO.width, opacity=0.8),
                  line_style(sym.WEEK_SUPPRESSED.color, sym.WEEK_SUPPRESSED.width)]
        styles += [line_style(r.color, r.width, opacity=0.95) for r in self.classes]
        # −1 marks a suppressed count (shorter than null: the liaison map stays small)
        counts = np.where(np.isnan(values), -1, values).astype(np.int64).tolist()
        self.spec = safe_json({
            "name": name,
            "weeks": weeks,
            "i": rows.tolist(),
            "c": counts,
            "b": [int(r.lower) for r in self.classes],
            "s": styles,
            "t": dataset.title,
            "kmin": k,
            "start": len(weeks) - 1,
        })

    def legend_items(self, k: int | None = None) -> list[tuple[str, str, float]]:
        """(label, colour, width) of each class, zero and suppressed included when drawn."""
        lang = self.lang
        items = [(sym.text("week.zero", lang), sym.WEEK_ZERO.color, sym.WEEK_ZERO.width)]
        if self.suppressed:
            items.append((sym.text("week.suppressed_k", lang, top=k - 1) if k
                          else sym.text("week.suppressed", lang),
                          sym.WEEK_SUPPRESSED.color, sym.WEEK_SUPPRESSED.width))
        items += [(r.label, r.color, r.width) for r in self.classes]
        return items
