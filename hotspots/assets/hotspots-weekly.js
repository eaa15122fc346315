/* hotspots week slider (MIT, part of hotspots): one polyline per segment with incidents in the
   window, sharing the segments dataset's geometry; a range input in a Leaflet control picks the
   ISO week and the polylines are restyled by their count that week. spec.c[j] holds segment j's
   counts per week (-1: suppressed), spec.i[j] its row in the dataset, spec.b the lower bound of
   each count class, spec.s the styles (0: none that week, 1: suppressed, 2…: count classes). */
(function () {
  "use strict";
  function classOf(spec, v) {
    if (v === null || v === undefined || v < 0) { return 1; }
    if (v <= 0) { return 0; }
    var k = 0;
    for (var j = 0; j < spec.b.length; j++) { if (v >= spec.b[j]) { k = j; } }
    return 2 + k;
  }
  function button(parent, text, title) {
    var b = L.DomUtil.create("button", "hs-week-btn", parent);
    b.type = "button"; b.textContent = text; b.title = title; b.setAttribute("aria-label", title);
    return b;
  }
  window.hsWeekly = function (ds, spec) {
    var esc = window.hsEscape, T = window.hsT_, group = L.featureGroup(), lines = [], built = false;
    var week = spec.start, ctl = null, input = null, label = null, play = null, timer = null;
    var n = spec.weeks.length;
    function shown(v) { return v < 0 ? T("suppressed").replace("{k}", spec.kmin) : String(v); }
    function name(j) {
      var v = spec.t ? window.hsValue(ds, spec.t, spec.i[j]) : null;
      return "<b>" + esc(v === null || v === "" ? T("unnamed") : v) + "</b>";
    }
    function tip(j) {
      var row = spec.c[j], total = 0, hidden = false;
      for (var w = 0; w < n; w++) { if (row[w] < 0) { hidden = true; } else { total += row[w]; } }
      return name(j) + "<table class=\"hs-tip\"><tr><th>" + esc(T("week_in").replace("{week}", spec.weeks[week])) +
        "</th><td>" + esc(shown(row[week])) + "</td></tr>" + (hidden ? "" : "<tr><th>" +
        esc(T("week_total").replace("{n}", n)) + "</th><td>" + total + "</td></tr>") + "</table>";
    }
    function popup(j) {
      var html = [name(j), "<table class=\"hs-tip\">"];
      for (var w = 0; w < n; w++) {
        var cur = w === week ? " style=\"background:#fff3b0\"" : "";
        html.push("<tr" + cur + "><th>" + esc(spec.weeks[w]) + "</th><td>" + esc(shown(spec.c[j][w])) + "</td></tr>");
      }
      html.push("</table>");
      return html.join("");
    }
    function build() {
      if (built) { return; }
      built = true;
      for (var j = 0; j < spec.i.length; j++) {
        var lyr = L.polyline(window.hsGeom("line", ds.g[spec.i[j]]), spec.s[0]);
        (function (idx, layer) {
          layer.bindTooltip(function () { return tip(idx); }, {sticky: true});
          layer.bindPopup(function () { return popup(idx); });
        })(j, lyr);
        lines.push(lyr);
        group.addLayer(lyr);
      }
    }
    function restyle() {
      var buckets = [];
      for (var j = 0; j < lines.length; j++) {
        var k = classOf(spec, spec.c[j][week]);
        lines[j].setStyle(spec.s[k]);
        (buckets[k] = buckets[k] || []).push(lines[j]);
      }
      if (group._map) {  /* larger counts on top */
        for (var c = 2; c < buckets.length; c++) { (buckets[c] || []).forEach(function (l) { l.bringToFront(); }); }
      }
    }
    function setWeek(w) {
      week = Math.max(0, Math.min(n - 1, Number(w) | 0));
      if (built) { restyle(); }
      if (input) { input.value = String(week); }
      if (label) { label.textContent = spec.weeks[week]; }
      group.hsWeek = spec.weeks[week];
    }
    function stop() {
      if (timer !== null) { clearInterval(timer); timer = null; }
      if (play) { play.textContent = "\u25B6"; play.title = T("play"); }
    }
    function control() {
      var c = L.control({position: "bottomright"});
      c.onAdd = function () {
        var d = L.DomUtil.create("div", "hs-week");
        L.DomEvent.disableClickPropagation(d);
        L.DomEvent.disableScrollPropagation(d);
        var head = L.DomUtil.create("div", "hs-week-head", d);
        L.DomUtil.create("span", "", head).textContent = spec.name + " ";
        label = L.DomUtil.create("output", "hs-week-label", head);
        var row = L.DomUtil.create("div", "hs-week-row", d);
        var prev = button(row, "\u2039", T("week_prev"));
        input = L.DomUtil.create("input", "hs-week-range", row);
        input.type = "range"; input.min = "0"; input.max = String(n - 1); input.step = "1";
        input.setAttribute("aria-label", T("week_iso"));
        var next = button(row, "\u203A", T("week_next"));
        play = button(row, "\u25B6", T("play"));
        var ends = L.DomUtil.create("div", "hs-week-ends", d);
        L.DomUtil.create("span", "", ends).textContent = spec.weeks[0];
        L.DomUtil.create("span", "", ends).textContent = spec.weeks[n - 1];
        L.DomEvent.on(input, "input change", function () { stop(); setWeek(input.value); });
        L.DomEvent.on(prev, "click", function () { stop(); setWeek(week - 1); });
        L.DomEvent.on(next, "click", function () { stop(); setWeek(week + 1); });
        L.DomEvent.on(play, "click", function () {
          if (timer !== null) { stop(); return; }
          if (week >= n - 1) { setWeek(0); }
          play.textContent = "\u275A\u275A"; play.title = T("pause");
          timer = setInterval(function () { if (week >= n - 1) { stop(); } else { setWeek(week + 1); } }, 900);
        });
        return d;
      };
      return c;
    }
    group.on("add", function () {
      build();
      if (!ctl) { ctl = control(); ctl.addTo(group._map); }
      setWeek(week);
    });
    group.on("remove", function () {
      stop();
      if (ctl) { ctl.remove(); ctl = null; input = null; label = null; play = null; }
    });
    group.hsSetWeek = setWeek;
    group.hsWeeks = spec.weeks;
    group.hsWeek = spec.weeks[week];
    return group;
  };
})();
