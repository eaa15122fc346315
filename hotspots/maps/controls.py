"""Map controls: the UI words, street search, the clickable top list and the layer switcher."""

from __future__ import annotations

import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.map import Layer
from jinja2 import Template

from hotspots.maps.layers import Dataset, safe_json
from hotspots.maps.offline import RawElement, RawMacros

__all__ = ["LayerSwitch", "ScaleBar", "Search", "TopList", "texts_script", "top_segments"]


def texts_script(lang: str) -> RawElement:
    """A header script setting ``window.hsT``: the runtime's words in ``lang``."""
    from hotspots import i18n

    table = {key[len("js."):]: pair[i18n.LANGUAGES.index(i18n.language(lang))]
             for key, pair in i18n.domain("map").items() if key.startswith("js.")}
    return RawElement(f"<script>window.hsT = {safe_json(table)};</script>")


class Search(RawMacros):
    """A box to find a street by name: its segments are framed and highlighted."""

    _template = Template(
        "{% macro script(this, kwargs) %}hsSearch({{ this._parent.get_name() }}, "
        "{{ this.dataset.get_name() }}, {{ this.spec }});{% endmacro %}"
    )

    def __init__(self, dataset: Dataset):
        super().__init__()
        self._name = "hs_search"
        self.dataset = dataset
        self.spec = safe_json({"t": dataset.title})


class TopList(RawMacros):
    """The top segments as a list: a click zooms to the segment and opens its popup."""

    _template = Template(
        "{% macro script(this, kwargs) %}hsTop({{ this._parent.get_name() }}, "
        "{{ this.dataset.get_name() }}, {{ this.layer.get_name() }}.hsSpec, "
        "{{ this.items }});{% endmacro %}"
    )

    def __init__(self, dataset: Dataset, layer, items: list[tuple[int, str]]):
        super().__init__()
        self._name = "hs_top"
        self.dataset = dataset
        self.layer = layer
        self.items = safe_json([[int(r), str(t)] for r, t in items])


def top_segments(segments: pd.DataFrame, *, n: int = 10) -> np.ndarray:
    """Row positions of the top ``n`` segments, as the bulletin orders them: by Gi* class, Gi*
    z-score, then incidents (ties by position); only segments with at least one incident
    shown (a suppressed count is not shown, so such a segment is not listed)."""
    if "count" not in segments.columns or len(segments) == 0:
        return np.empty(0, dtype=np.int64)
    count = pd.to_numeric(segments["count"], errors="coerce").to_numpy(dtype=float)
    keys = [np.arange(len(segments))]  # last key of lexsort = primary
    keys.append(-np.nan_to_num(count, nan=-1))
    for col in ("gi_z", "gi_bin"):
        if col in segments.columns:
            v = pd.to_numeric(segments[col], errors="coerce").to_numpy(dtype=float)
            keys.append(-np.nan_to_num(v, nan=-np.inf))
    order = np.lexsort(keys)
    order = order[np.nan_to_num(count[order], nan=0) > 0]
    return order[:n]


class LayerSwitch(MacroElement):
    """Leaflet's layer control over every switchable layer of the map; folded into its icon
    on small screens (a phone), open on a desktop. Add it last."""

    _template = Template(
        "{% macro script(this, kwargs) %}var {{ this.get_name() }} = hsLayers("
        "{{ this._parent.get_name() }}, {{ '{' }}{% for key, val in this.overlays %}"
        "{{ key|tojson }}: {{ val }},{% endfor %}{{ '}' }});{% endmacro %}"
    )

    def __init__(self):
        super().__init__()
        self._name = "hs_layers"
        self.overlays: list[tuple[str, str]] = []

    def render(self, **kwargs):
        """Collect the map's switchable layers (as folium's LayerControl does), then render."""
        self.overlays = [(item.layer_name, item.get_name())
                         for item in self._parent._children.values()
                         if isinstance(item, Layer) and item.control]
        super().render(**kwargs)


class ScaleBar(MacroElement):
    """Leaflet's scale bar in metres only (no feet)."""

    _template = Template(
        "{% macro script(this, kwargs) %}L.control.scale({imperial: false, maxWidth: 120})"
        ".addTo({{ this._parent.get_name() }});{% endmacro %}"
    )

    def __init__(self):
        super().__init__()
        self._name = "hs_scale"
