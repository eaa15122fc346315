/* hotspots map runtime (MIT, part of hotspots): builds Leaflet layers from compact columnar
   data. Geometry: integer 1e-5 degree [lat, lng] pairs, delta-encoded per part. Every value
   shown in a tooltip, popup, list or label goes through esc() or textContent, so text from
   input files stays text. UI words come from window.hsT (the message catalogue, in the map's
   language). */
(function () {
  "use strict";
  var ENT = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"};
  function esc(v) { return String(v).replace(/[&<>"']/g, function (c) { return ENT[c]; }); }
  function T(key) { var t = window.hsT || {}; return t[key] !== undefined ? t[key] : key; }
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
  /* numbers as the map's language writes them: 1,234.5 or 1.234,5 */
  function num(v, dec) {
    var s = Math.abs(Number(v)).toFixed(dec), neg = Number(v) < 0 && Number(s) !== 0;
    var p = s.split("."), ip = p[0], out = "";
    while (ip.length > 3) { out = T("group") + ip.slice(-3) + out; ip = ip.slice(0, -3); }
    out = ip + out + (p.length > 1 ? T("decimal") + p[1] : "");
    return (neg ? "\u2212" : "") + out;
  }
  function fmt(v, f, spec) {
    var kind = f[2], dec = f[3];
    if (kind === "num") { return num(v, dec); }
    if (kind === "int") { return num(Math.round(Number(v)), 0); }
    if (kind === "pct") { return num(Number(v) * 100, dec) + " %"; }
    if (kind === "p") { return Number(v) < 0.001 ? "< " + num(0.001, 3) : num(v, dec); }
    if (kind === "bool") { return v ? T("yes") : T("no"); }
    if (kind === "class") { var lab = spec.labels[f[0]]; return (lab && lab[String(v)] !== undefined) ? lab[String(v)] : v; }
    var tr = spec.labels[f[0]];
    if (tr && tr[String(v)] !== undefined) { return tr[String(v)]; }
    return v;
  }
  function suppressed(ds, i) { var s = value(ds, "suppressed", i); return s === true || s === 1; }
  function title(ds, spec, i) {
    var t = spec.t ? value(ds, spec.t, i) : null;
    return "<b>" + esc(t === null || t === "" ? T("unnamed") : t) + "</b>";
  }
  function rows(ds, spec, i, fields) {
    var html = [], sup = suppressed(ds, i);
    for (var j = 0; j < fields.length; j++) {
      var f = fields[j], v = value(ds, f[0], i), shown;
      if (v === null) {
        var st = spec.st && spec.st[f[0]] ? value(ds, spec.st[f[0]], i) : null;
        if (st === "min_length") { shown = T("withheld_short"); }
        else if (st === "k_rule" && spec.st[f[0]] !== "count_status") {
          shown = T("withheld_k").replace("{k}", spec.kmin);  /* may itself be k or more */
        }
        else if (st === "k_rule" || (sup && spec.sup.indexOf(f[0]) >= 0)) {
          shown = T("suppressed").replace("{k}", spec.kmin);
        }
        else { continue; }
      } else { shown = fmt(v, f, spec); }
      html.push("<tr><th>" + esc(f[1]) + "</th><td>" + esc(shown) + "</td></tr>");
    }
    return html.join("");
  }
  /* the hover tooltip: name, the feature's class in this layer and a few fields (<= 5 lines) */
  function tip(ds, spec, i) {
    var k = spec.k ? spec.k[i] : 0, cls = spec.cl && k !== null && k >= 0 ? spec.cl[k] : "";
    var head = spec.t ? title(ds, spec, i) : "";
    var fields = spec.f.filter(function (f) { return spec.h.indexOf(f[0]) >= 0; }).slice(0, 3);
    return head + (cls ? "<div class=\"hs-cls\">" + esc(cls) + "</div>" : "") +
      "<table class=\"hs-tip\">" + rows(ds, spec, i, fields) + "</table>";
  }
  /* the popup: every allow-listed field of the feature */
  function content(ds, spec, i) {
    var k = spec.k ? spec.k[i] : 0, cls = spec.cl && k !== null && k >= 0 ? spec.cl[k] : "";
    return (spec.t ? title(ds, spec, i) : "") +
      (cls ? "<div class=\"hs-cls\">" + esc(cls) + "</div>" : "") +
      "<table class=\"hs-tip\">" + rows(ds, spec, i, spec.f) + "</table>";
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
            layer.bindTooltip(function () { return tip(ds, spec, idx); }, {sticky: true, className: "hs-tooltip"});
            layer.bindPopup(function () { return content(ds, spec, idx); }, {maxWidth: 360});
          })(i, lyr);
        }
        lyr.hsRow = i;
        made.push(lyr);
      }
      if (group.addLayers) { group.addLayers(made); } else { made.forEach(function (l) { group.addLayer(l); }); }
    }
    group.on("add", build);
    group.hsSpec = spec;
    group.hsData = ds;
    return group;
  };
  /* the base map drawn from the city's own streets: always there, under every layer */
  window.hsBase = function (map, ds, spec, parks, water) {
    map.createPane("hsRaster").style.zIndex = 380;
    map.createPane("hsBase").style.zIndex = 390;
    var lab = map.createPane("hsLabels");
    lab.style.zIndex = 455; lab.style.pointerEvents = "none";
    var renderer = L.canvas({pane: "hsBase", padding: 0.3});
    var base = L.layerGroup();
    if (water) {
      for (var w = 0; w < water.g.length; w++) {
        if (!water.g[w].length) { continue; }
        base.addLayer(spec.water_kind === "line"
          ? L.polyline(geom("line", water.g[w]), {renderer: renderer, interactive: false,
              color: spec.water, weight: spec.water_width, opacity: 1})
          : L.polygon(geom("polygon", water.g[w]), {renderer: renderer, interactive: false,
              stroke: false, fillColor: spec.water, fillOpacity: 1}));
      }
    }
    if (parks) {
      for (var p = 0; p < parks.g.length; p++) {
        if (!parks.g[p].length) { continue; }
        base.addLayer(L.polygon(geom("polygon", parks.g[p]), {renderer: renderer, interactive: false,
          stroke: false, fillColor: spec.park, fillOpacity: 1}));
      }
    }
    for (var i = 0; i < ds.g.length; i++) {
      if (!ds.g[i].length) { continue; }
      base.addLayer(L.polyline(geom("line", ds.g[i]), {renderer: renderer, interactive: false,
        color: spec.casing, weight: spec.width, opacity: 1}));
    }
    base.addTo(map);
    window.hsBaseLayer = base;
    var labels = L.layerGroup().addTo(map), names = spec.names;
    function refresh() {
      labels.clearLayers();
      if (map.getZoom() < spec.zoom) { return; }
      var b = map.getBounds().pad(0.1), shown = 0;
      for (var j = 0; j < spec.labels.length && shown < spec.max; j++) {
        var l = spec.labels[j], ll = L.latLng(l[0] / 1e5, l[1] / 1e5);
        if (!b.contains(ll)) { continue; }
        var el = document.createElement("span");
        el.className = "hs-street"; el.textContent = names[l[3]];
        el.style.transform = "translate(-50%, -50%) rotate(" + l[2] + "deg)";
        labels.addLayer(L.marker(ll, {pane: "hsLabels", interactive: false, keyboard: false,
          icon: L.divIcon({className: "hs-street-box", html: el.outerHTML, iconSize: [0, 0]})}));
        shown++;
      }
    }
    map.on("zoomend moveend", refresh);
    refresh();
    window.hsStreetLabels = labels;
    return base;
  };
  function highlight(map, latlngs) {
    if (window.hsMark) { map.removeLayer(window.hsMark); }
    window.hsMark = L.polyline(latlngs, {color: "#00e5ff", weight: 10, opacity: 0.55, interactive: false}).addTo(map);
    window.hsMark.bringToBack();
  }
  function bounds(ds, rows) {
    var b = L.latLngBounds([]);
    rows.forEach(function (r) { geom("line", ds.g[r]).forEach(function (p) { p.forEach(function (ll) { b.extend(ll); }); }); });
    return b;
  }
  function focus(map, ds, rows) {
    var b = bounds(ds, rows);
    if (!b.isValid()) { return; }
    map.fitBounds(b, {maxZoom: 17, padding: [40, 40]});
    var lines = [];
    rows.forEach(function (r) { geom("line", ds.g[r]).forEach(function (p) { lines.push(p); }); });
    highlight(map, lines);
  }
  function panel(map, position, cls, heading, small) {
    var c = L.control({position: position});
    c.onAdd = function () {
      var d = L.DomUtil.create("div", "hs-panel " + cls + (small ? " hs-folded" : ""));
      L.DomEvent.disableClickPropagation(d);
      L.DomEvent.disableScrollPropagation(d);
      var h = L.DomUtil.create("button", "hs-panel-head", d);
      h.type = "button"; h.textContent = heading; h.setAttribute("aria-expanded", small ? "false" : "true");
      L.DomEvent.on(h, "click", function () {
        var folded = L.DomUtil.hasClass(d, "hs-folded");
        if (folded) { L.DomUtil.removeClass(d, "hs-folded"); } else { L.DomUtil.addClass(d, "hs-folded"); }
        h.setAttribute("aria-expanded", folded ? "true" : "false");
      });
      c.body = L.DomUtil.create("div", "hs-panel-body", d);
      c.fill(c.body);
      return d;
    };
    return c;
  }
  function small() { return window.innerWidth < 700 || window.innerHeight < 560; }
  /* search by street name: every segment of the street is framed and highlighted */
  window.hsSearch = function (map, ds, spec) {
    var col = spec.t, names = ds.d[col] || [], norm = function (s) { return String(s).trim().toLowerCase(); };
    var c = panel(map, "topleft", "hs-search", T("search"), false);
    c.fill = function (body) {
      var form = L.DomUtil.create("form", "", body);
      var input = L.DomUtil.create("input", "hs-search-input", form);
      input.type = "search"; input.placeholder = T("search_hint"); input.setAttribute("aria-label", T("search"));
      input.setAttribute("list", "hs-street-names");
      var list = L.DomUtil.create("datalist", "", form);
      list.id = "hs-street-names";
      names.slice().sort().forEach(function (n) { var o = document.createElement("option"); o.value = n; list.appendChild(o); });
      var msg = L.DomUtil.create("div", "hs-search-msg", body);
      function run() {
        var q = norm(input.value), rowsFound = [];
        if (!q) { return; }
        var codes = [];
        names.forEach(function (n, k) { if (norm(n) === q) { codes.push(k); } });
        if (!codes.length) { names.forEach(function (n, k) { if (norm(n).indexOf(q) >= 0) { codes.push(k); } }); }
        var arr = ds.c[col];
        for (var i = 0; i < arr.length; i++) { if (codes.indexOf(arr[i]) >= 0) { rowsFound.push(i); } }
        if (!rowsFound.length) { msg.textContent = T("search_none"); return; }
        msg.textContent = T("search_found").replace("{n}", rowsFound.length);
        focus(map, ds, rowsFound);
      }
      L.DomEvent.on(form, "submit", function (e) { L.DomEvent.preventDefault(e); run(); });
      L.DomEvent.on(input, "change", run);
    };
    c.addTo(map);
    return c;
  };
  /* the top segments, clickable: zoom to each and open its popup */
  window.hsTop = function (map, ds, spec, items) {
    var c = panel(map, "topleft", "hs-top", T("top"), small());
    c.fill = function (body) {
      var ol = L.DomUtil.create("ol", "hs-top-list", body);
      items.forEach(function (it) {
        var li = L.DomUtil.create("li", "", ol), b = L.DomUtil.create("button", "hs-top-item", li);
        b.type = "button"; b.textContent = it[1];
        L.DomEvent.on(b, "click", function () {
          focus(map, ds, [it[0]]);
          var center = bounds(ds, [it[0]]).getCenter();
          L.popup({maxWidth: 360}).setLatLng(center).setContent(content(ds, spec, it[0])).openOn(map);
        });
      });
    };
    c.addTo(map);
    return c;
  };
  /* the layer control, folded into its icon on small screens */
  window.hsLayers = function (map, overlays) {
    return L.control.layers(null, overlays, {collapsed: small(), position: "topright"}).addTo(map);
  };
  window.hsLegend = function (map, sections, position) {
    var ctl = L.control({position: position || "bottomright"});
    ctl.onAdd = function () {
      var div = L.DomUtil.create("div", "hs-legend" + (small() ? " hs-folded" : ""));
      L.DomEvent.disableScrollPropagation(div);
      L.DomEvent.disableClickPropagation(div);
      var h = L.DomUtil.create("button", "hs-panel-head", div);
      h.type = "button"; h.textContent = T("legend");
      L.DomEvent.on(h, "click", function () {
        if (L.DomUtil.hasClass(div, "hs-folded")) { L.DomUtil.removeClass(div, "hs-folded"); } else { L.DomUtil.addClass(div, "hs-folded"); }
      });
      var body = L.DomUtil.create("div", "hs-panel-body", div);
      sections.forEach(function (s) {
        var el = L.DomUtil.create("div", "hs-legend-section", body);
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
    /* a popup is read without the hover tooltip covering it */
    map.on("popupopen", function () { map.getPane("tooltipPane").style.display = "none"; });
    map.on("popupclose", function () { map.getPane("tooltipPane").style.display = ""; });
    refresh();
    return ctl;
  };
  window.hsEscape = esc;
  window.hsGeom = geom;  /* shared with hotspots-weekly.js */
  window.hsValue = value;
  window.hsT_ = T;
  window.hsContent = content;
})();
