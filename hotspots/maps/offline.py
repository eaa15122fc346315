"""Making a Folium map self-contained: Leaflet, plugins, CSS and icons inlined; no CDN request."""

from __future__ import annotations

import base64
import re
from functools import cache
from importlib import resources
from typing import cast

import folium
from branca.element import Element, Figure, MacroElement

from hotspots._errors import HotspotsError

__all__ = [
    "LEAFLET_VERSION", "MAP_CSS", "MARKERCLUSTER_VERSION", "RawElement", "RawMacros",
    "check_offline",
    "embed_assets",
    "leaflet_css", "leaflet_js", "markercluster", "remote_references", "runtime_js"
]

#: vendored assets (see hotspots/assets/README.md for versions, sources and licences)
LEAFLET_VERSION = "1.9.4"
MARKERCLUSTER_VERSION = "1.5.3"

_REMOTE = re.compile(
    r"""<script[^>]*\bsrc\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|<link[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|<(?:img|iframe|source|video|audio)[^>]*\bsrc\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|url\(\s*["']?\s*(?:https?:)?//"""
    r"""|@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//""",
    re.IGNORECASE,
)
_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=.*$", re.MULTILINE)


def _asset(path: str) -> bytes:
    return resources.files("hotspots").joinpath("assets", *path.split("/")).read_bytes()


def _text(path: str) -> str:
    return _SOURCE_MAP.sub("", _asset(path).decode("utf-8"))


def _data_uri(path: str, mime: str = "image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(_asset(path)).decode("ascii")


@cache
def leaflet_css() -> str:
    """Leaflet's CSS with the layer-control icons as data URIs."""
    css = _text("leaflet/leaflet.css")
    for img in ("layers.png", "layers-2x.png"):
        css = css.replace(f"url(images/{img})", f"url({_data_uri('leaflet/images/' + img)})")
    return css


@cache
def leaflet_js() -> str:
    """Leaflet's minified JavaScript (source-map comment removed)."""
    return _text("leaflet/leaflet.js")


@cache
def markercluster() -> tuple[str, str]:
    """Leaflet.markercluster (JavaScript, CSS)."""
    css = _text("leaflet.markercluster/MarkerCluster.css") + "\n" + _text(
        "leaflet.markercluster/MarkerCluster.Default.css")
    return _text("leaflet.markercluster/leaflet.markercluster.js"), css


@cache
def runtime_js() -> str:
    """The hotspots layer/legend runtime and the week slider (assets/hotspots-*.js)."""
    return _text("hotspots-map.js") + "\n" + _text("hotspots-weekly.js")


MAP_CSS = """
.hs-legend{background:rgba(255,255,255,.94);padding:6px 9px;font:12px/1.35 sans-serif;
  border-radius:5px;box-shadow:0 1px 4px rgba(0,0,0,.35);max-height:55vh;overflow:auto}
.hs-legend-section{margin:2px 0 6px}
.hs-legend h4{margin:0 0 3px;font-size:12px}
.hs-legend .sw{display:inline-block;width:22px;margin-right:6px;vertical-align:middle}
.hs-legend .ln{height:0;border-top-style:solid}
.hs-legend .pt{height:10px;width:10px;border-radius:50%;margin:0 12px 0 6px}
.hs-legend .pg{height:10px;border:1px solid #555}
.hs-legend .ramp{display:flex;height:10px;margin:2px 0}
.hs-legend .ramp span{flex:1}
.hs-legend .ends{display:flex;justify-content:space-between;font-size:11px}
.hs-title{background:rgba(255,255,255,.94);padding:5px 9px;font:bold 14px sans-serif;
  border-radius:5px;box-shadow:0 1px 4px rgba(0,0,0,.35)}
.hs-title small{display:block;font-weight:normal;font-size:11px}
.hs-week{background:rgba(255,255,255,.94);padding:6px 9px;font:12px/1.35 sans-serif;
  border-radius:5px;box-shadow:0 1px 4px rgba(0,0,0,.35);min-width:230px}
.hs-week-head{font-weight:bold;margin-bottom:3px}
.hs-week-label{font:bold 14px monospace;color:#b10026;margin-left:4px}
.hs-week-row{display:flex;align-items:center;gap:4px}
.hs-week-range{flex:1;min-width:120px;margin:0 2px}
.hs-week-btn{font:13px sans-serif;padding:0 6px;height:22px;cursor:pointer;border:1px solid #999;
  border-radius:3px;background:#f4f4f4}
.hs-week-ends{display:flex;justify-content:space-between;font-size:10px;color:#555}
table.hs-tip th{text-align:left;padding-right:8px;font-weight:600}
table.hs-tip td,table.hs-tip th{font-size:12px}
.leaflet-container{background:#f4f2ec}
.hs-cls{font-size:12px;margin:1px 0 2px}
.hs-tooltip{max-width:300px;white-space:normal}
.hs-street-box{pointer-events:none}
.hs-street{position:absolute;white-space:nowrap;font:italic 11px/1 sans-serif;color:#55524a;
  text-shadow:0 0 2px #f4f2ec,0 0 2px #f4f2ec,0 0 3px #f4f2ec}
.hs-panel,.hs-legend{font:12px/1.35 sans-serif}
.hs-panel{background:rgba(255,255,255,.95);border-radius:5px;box-shadow:0 1px 4px rgba(0,0,0,.35);
  padding:4px 7px;max-width:300px}
.hs-panel-head{display:block;width:100%;text-align:left;font:bold 12px sans-serif;border:0;
  background:none;padding:2px 0;cursor:pointer}
.hs-panel-head::after{content:" ▾"}
.hs-folded .hs-panel-head::after{content:" ▸"}
.hs-folded .hs-panel-body{display:none}
.hs-search-input{width:200px;font:12px sans-serif;padding:2px 4px}
.hs-search-msg{font-size:11px;color:#555;min-height:0}
.hs-top-list{margin:2px 0 0;padding-left:20px;max-height:40vh;overflow:auto}
.hs-top-item{border:0;background:none;padding:1px 0;text-align:left;cursor:pointer;
  font:12px sans-serif;color:#1f4e8c;text-decoration:underline}
@media (max-width:700px){.hs-legend{max-height:35vh}.hs-panel{max-width:200px}
  .hs-search-input{width:150px}.hs-title{font-size:12px;max-width:200px}}
"""


_NEWLINES = re.compile(r"\r\n|\r|\n")


class RawElement(Element):
    """An element whose text is written as it is (no Jinja template made of it).

    ``branca.element.Element(text)`` compiles its text as a Jinja template, which for the
    inlined Leaflet (~150 kB) costs a quarter of a second per map; this one returns the text.
    Line ends are normalised and one final line end dropped, as Jinja does, so for text
    without Jinja syntax (``{{``, ``{%``, ``{#``) the page is the same byte for byte.
    """

    def __init__(self, text: str):
        super().__init__()
        text = _NEWLINES.sub("\n", text)
        self.text = text[:-1] if text.endswith("\n") else text

    def render(self, **kwargs) -> str:
        return self.text


class RawMacros(MacroElement):
    """A ``MacroElement`` whose rendered macros (the data of a layer: megabytes of JSON) go
    into the page as :class:`RawElement` instead of being compiled once more as Jinja
    templates by ``MacroElement.render``; the page is the same. A folium ``Layer`` subclass
    lists it after ``Layer`` (``class L(Layer, RawMacros)``) so that ``Layer.render`` runs
    first."""

    def render(self, **kwargs):
        figure = self.get_root()
        module = self._template.module.__dict__
        for part in ("header", "html", "script"):
            macro = module.get(part)
            if macro is not None:
                getattr(figure, part).add_child(RawElement(str(macro(self, kwargs))),
                                                name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


def _script(js: str) -> str:
    return "<script>" + re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE) + "</script>"


def _style(css: str) -> str:
    return "<style>" + re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE) + "</style>"


def embed_assets(fmap: folium.Map, *, offline: bool = True, cluster: bool = False) -> None:
    """Put the map's JavaScript and CSS into its page header.

    Offline: Leaflet (and Leaflet.markercluster when ``cluster``) are inlined and folium's CDN
    links (jQuery, Bootstrap, Font Awesome, awesome-markers: unused here) are removed. Online:
    Leaflet comes from folium's CDN. The hotspots runtime and CSS are always inlined.
    """
    figure = cast(Figure, fmap.get_root())
    header = figure.header
    if "hs_runtime" in header._children:
        return
    if offline:
        fmap.default_js = []
        fmap.default_css = []
        header.add_child(RawElement(_style(leaflet_css())), name="hs_leaflet_css")
        header.add_child(RawElement(_script(leaflet_js())), name="hs_leaflet_js")
        if cluster:
            js, css = markercluster()
            header.add_child(RawElement(_style(css)), name="hs_cluster_css")
            header.add_child(RawElement(_script(js)), name="hs_cluster_js")
    else:
        fmap.default_js = [("leaflet", f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.js")]
        fmap.default_css = [("leaflet_css",
                             f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.css")]
        if cluster:
            base = f"https://cdn.jsdelivr.net/npm/leaflet.markercluster@{MARKERCLUSTER_VERSION}/dist/"
            fmap.default_js.append(("markercluster", base + "leaflet.markercluster.js"))
            fmap.default_css += [("markercluster_css", base + "MarkerCluster.css"),
                                 ("markercluster_default_css", base + "MarkerCluster.Default.css")]
    header.add_child(RawElement(_style(MAP_CSS)), name="hs_css")
    header.add_child(RawElement(_script(runtime_js())), name="hs_runtime")


#: where a match of ``_REMOTE`` can start, found from a character every match has: its first
#: ("<", "@") or, for ``url(``, its fourth ("(" three characters in)
_ANCHORS = (("<", 0), ("@", 0), ("(", 3))


def remote_references(html_text: str) -> list[str]:
    """Snippets of every tag or CSS rule that would make the browser fetch from the network.

    The same matches as ``_REMOTE.finditer`` over the page, found faster: a case-insensitive
    alternation is tried at every position of a page of megabytes (0.06 s for a city's map),
    but a match can only start where one of its anchor characters says (a few thousand
    places, found by ``str.find``). The candidates are tried in order and those inside the
    previous match skipped, as ``finditer`` does."""
    starts: set[int] = set()
    for char, back in _ANCHORS:
        i = html_text.find(char)
        while i >= 0:
            if i >= back:
                starts.add(i - back)
            i = html_text.find(char, i + 1)
    found, end = [], 0
    for start in sorted(starts):
        if start < end:
            continue
        m = _REMOTE.match(html_text, start)
        if m:
            found.append(html_text[start: start + 120])
            end = m.end()
    return found


def check_offline(html_text: str) -> None:
    """Raise if the page would load anything from the network."""
    found = remote_references(html_text)
    if found:
        raise HotspotsError(
            "the offline map still references network resources: "
            + "; ".join(found[:5])
            + " — add the asset to hotspots/assets and inline it in hotspots.maps.offline"
        )
