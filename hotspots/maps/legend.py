"""Map legends: categorical and graduated sections, each shown while its layer is on."""

from __future__ import annotations

import html

from branca.element import MacroElement
from jinja2 import Template

from hotspots.maps.layers import safe_json

__all__ = [
    "Attribution", "Legend", "PaintMarker", "Title", "classes_section", "line_section",
    "point_section", "polygon_section"
]


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def line_section(title: str, items: list[tuple[str, str, float]]) -> str:
    """A legend section of line swatches: (label, colour, width) per item."""
    rows = "".join(
        f'<div><span class="sw ln" style="border-top-width:{max(2.0, w):.1f}px;'
        f'border-top-color:{_esc(c)}"></span>{_esc(lab)}</div>'
        for lab, c, w in items
    )
    return f"<h4>{_esc(title)}</h4>{rows}"


def point_section(title: str, items: list[tuple[str, str]]) -> str:
    """A legend section of circle swatches: (label, colour) per item."""
    rows = "".join(
        f'<div><span class="sw pt" style="background:{_esc(c)}"></span>{_esc(lab)}</div>'
        for lab, c in items
    )
    return f"<h4>{_esc(title)}</h4>{rows}"


def polygon_section(title: str, items: list[tuple[str, str]]) -> str:
    """A legend section of filled boxes: (label, colour) per item."""
    rows = "".join(
        f'<div><span class="sw pg" style="background:{_esc(c)}"></span>{_esc(lab)}</div>'
        for lab, c in items
    )
    return f"<h4>{_esc(title)}</h4>{rows}"


def classes_section(title: str, classes, units: str = "") -> str:
    """A graduated legend of raster classes (``symbology.raster_classes``: the QGIS labels)."""
    head = f"{title} ({units})" if units else title
    return polygon_section(head, [(c.label, c.color) for c in classes])


class Legend(MacroElement):
    """A Leaflet control listing legend sections; a section tied to a layer hides with it."""

    _template = Template(
        "{% macro script(this, kwargs) %}var {{ this.get_name() }} = hsLegend("
        "{{ this._parent.get_name() }}, [{% for layer, body in this.sections %}"
        "{layer: {{ layer.get_name() if layer is not none else 'null' }}, html: {{ body }}},"
        "{% endfor %}], {{ this.position_json }});{% endmacro %}"
    )

    def __init__(self, *, position: str = "bottomright"):
        super().__init__()
        self._name = "hs_legend"
        self.sections: list[tuple[object, str]] = []
        self.position_json = safe_json(position)

    def add(self, layer, section_html: str) -> None:
        """Add a section (HTML built by the functions above) tied to ``layer`` (or None)."""
        self.sections.append((layer, safe_json(section_html)))


class Title(MacroElement):
    """A title box (escaped text) in a map corner."""

    _template = Template(
        "{% macro script(this, kwargs) %}(function(){var c = L.control({position: "
        "{{ this.position_json }}}); c.onAdd = function(){var d = L.DomUtil.create('div', "
        "'hs-title'); d.innerHTML = {{ this.html_json }}; return d;}; "
        "c.addTo({{ this._parent.get_name() }});})();{% endmacro %}"
    )

    def __init__(self, title: str, *, subtitle: str | None = None, position: str = "topleft"):
        super().__init__()
        self._name = "hs_title"
        body = _esc(title) + (f"<small>{_esc(subtitle)}</small>" if subtitle else "")
        self.html_json = safe_json(body)
        self.position_json = safe_json(position)


class Attribution(MacroElement):
    """Adds an (escaped) data attribution to the map's attribution control."""

    _template = Template(
        "{% macro script(this, kwargs) %}{{ this._parent.get_name() }}.attributionControl"
        ".addAttribution({{ this.html_json }});{% endmacro %}"
    )

    def __init__(self, text: str):
        super().__init__()
        self._name = "hs_attribution"
        self.html_json = safe_json(_esc(text))


class PaintMarker(MacroElement):
    """Sets ``window.hsPainted`` (ms since navigation) after the first frames are drawn."""

    _template = Template(
        "{% macro script(this, kwargs) %}requestAnimationFrame(function(){"
        "requestAnimationFrame(function(){window.hsPainted = performance.now();});});"
        "{% endmacro %}"
    )
