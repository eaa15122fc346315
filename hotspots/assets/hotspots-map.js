/* hotspots map runtime (MIT, part of hotspots): builds Leaflet layers from compact columnar
   data. Geometry: integer 1e-5 degree [lat, lng] pairs, delta-encoded per part. Every value
   shown in a tooltip or popup goes through esc(), so text from input files stays text. */
(function () {
  "use strict";
  var ENT = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"};
  function esc(v) { return String(v).replace(/[&<>"']/g, function (c) { return ENT[c]; }); }
  function part(a) {
    var out = [], lat = 0, lng = 0;
    for (var i = 0; i < a.length; i += 2) { lat += a[i]; lng += a[i + 1]; out.push([lat / 1e5, lng / 1e5]); }
    return out;
  }
  function geom(kind, g) {
    if (kind === "point" || kind === "cluster") { return [g[0] / 1e5, g[1] / 1e5]; }
    if (kind === "line") { return g.map(part); }
    return g.map(function (p) { return p.map(part); });
  }
  function value(ds, col, i) {
    var arr = ds.c[col];
    if (!arr) { return null; }
    var v = arr[i];
    if (v === null || v === undefined) { return null; }
    if (ds.d[col]) { v = ds.d[col][v]; }
    return v;
  }
  function fmt(v, f, spec) {
    var kind = f[2], dec = f[3];
    if (kind === "num") { return Number(v).toFixed(dec); }
    if (kind === "int") { return String(Math.round(Number(v))); }
    if (kind === "pct") { return (Number(v) * 100).toFixed(dec) + " %"; }
    if (kind === "bool") { return v ? "yes" : "no"; }
    if (kind === "class") { var lab = spec.labels[f[0]]; return (lab && lab[String(v)] !== undefined) ? lab[String(v)] : v; }
    return v;
  }
  function content(ds, spec, i) {
    var html = [], sup = value(ds, "suppressed", i) === true || value(ds, "suppressed", i) === 1;
    if (spec.t) {
      var title = value(ds, spec.t, i);
      html.push("<b>" + esc(title === null || title === "" ? "(unnamed street)" : title) + "</b>");
    }
    html.push("<table class=\"hs-tip\">");
    for (var j = 0; j < spec.f.length; j++) {
      var f = spec.f[j], v = value(ds, f[0], i), shown;
      if (v === null) {
        if (sup && spec.sup.indexOf(f[0]) >= 0) { shown = "suppressed (fewer than " + spec.kmin + ")"; }
        else { continue; }
      } else { shown = fmt(v, f, spec); }
      html.push("<tr><th>" + esc(f[1]) + "</th><td>" + esc(shown) + "</td></tr>");
    }
    html.push("</table>");
    return html.join("");
  }
  window.hsLayer = function (ds, spec) {
    var group = spec.kind === "cluster" ? L.markerClusterGroup({chunkedLoading: true}) : L.featureGroup();
    var built = false;
    function build() {
      if (built) { return; }
      built = true;
      var made = [];
      for (var i = 0; i < ds.g.length; i++) {
        var k = spec.k ? spec.k[i] : 0;
        if (k === null || k < 0) { continue; }
        var st = spec.s[k], g = geom(spec.kind, ds.g[i]), lyr;
        if (spec.kind === "line") { lyr = L.polyline(g, st); }
        else if (spec.kind === "polygon") { lyr = L.polygon(g, st); }
        else { lyr = L.circleMarker(g, st); }
        if (spec.f.length || spec.t) {
          (function (idx, layer) {
            var fn = function () { return content(ds, spec, idx); };
            layer.bindTooltip(fn, {sticky: true});
            layer.bindPopup(fn);
          })(i, lyr);
        }
        made.push(lyr);
      }
      if (group.addLayers) { group.addLayers(made); } else { made.forEach(function (l) { group.addLayer(l); }); }
    }
    group.on("add", build);
    return group;
  };
  window.hsLegend = function (map, sections, position) {
    var ctl = L.control({position: position || "bottomright"});
    ctl.onAdd = function () {
      var div = L.DomUtil.create("div", "hs-legend");
      L.DomEvent.disableScrollPropagation(div);
      L.DomEvent.disableClickPropagation(div);
      sections.forEach(function (s) {
        var el = L.DomUtil.create("div", "hs-legend-section", div);
        el.innerHTML = s.html;  /* built and escaped in Python */
        s.el = el;
      });
      return div;
    };
    ctl.addTo(map);
    function refresh() {
      sections.forEach(function (s) { s.el.style.display = (!s.layer || map.hasLayer(s.layer)) ? "" : "none"; });
    }
    map.on("overlayadd overlayremove layeradd layerremove", refresh);
    refresh();
    return ctl;
  };
  window.hsEscape = esc;
  window.hsGeom = geom;  /* shared with hotspots-weekly.js */
  window.hsValue = value;
})();
