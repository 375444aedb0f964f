/* Candidate drawer for bench/report_charts.py: the same chart specs as pipeline/report/interactive/assets/
 * charts.js, drawn with Vega-Lite (vega + vega-lite + vega-embed inlined). Sets window.themenradarDraw. */
(function () {
  "use strict";
  function fmtExpr(kind, field) {
    if (kind === "pct") return "format(datum." + field + ", '.2%')";
    if (kind === "pp") return "format(datum." + field + " * 100, '+.2f') + ' pp'";
    return "format(datum." + field + ", '.2f')";
  }
  function labelExpr(periods) { return "[" + periods.map(function (p) { return JSON.stringify(p); }).join(",") + "][datum.value]"; }
  function xEnc(periods) {
    return { field: "x", type: "quantitative", scale: { domain: [-0.5, periods.length - 0.5], nice: false },
      axis: { title: "period", values: periods.map(function (_, i) { return i; }), labelExpr: labelExpr(periods), grid: false } };
  }
  function tooltip(kind) {
    return [{ field: "label", title: "" }, { field: "period" }, { field: "value_t", title: "value" },
      { field: "interval" }, { field: "n", title: "documents (n)" }, { field: "sparse" }];
  }
  function rows(points, periods, extra, kind) {
    var out = [];
    points.forEach(function (p, j) {
      if (p[0] === null) return;
      var r = Object.assign({ x: j, period: periods[j], y: p[0], lo: p[1], hi: p[2], n: p[3], sparse: p[4] }, extra);
      r.value_t = fmtV(kind, p[0]);
      r.interval = p[1] === null ? "–" : fmtV(kind, p[1]) + " – " + fmtV(kind, p[2]);
      out.push(r);
    });
    return out;
  }
  function fmtV(kind, v) {
    if (kind === "pct") return (100 * v).toFixed(2) + " %";
    if (kind === "pp") return (v >= 0 ? "+" : "") + (100 * v).toFixed(2) + " pp";
    return v.toFixed(2);
  }
  var ZOOM = { name: "zoom", select: { type: "interval", encodings: ["x"] }, bind: "scales" };

  function linesSpec(spec, state) {
    var kind = spec.fmt[state.measure], view = spec.views[state.group + "|" + state.measure] || {}, data = [];
    spec.series.forEach(function (s) { if (view[s.key]) data = data.concat(rows(view[s.key], spec.periods, { label: s.label }, kind)); });
    var on = spec.series.filter(function (s) { return s.visible; }).map(function (s) { return { label: s.label }; });
    var color = { field: "label", type: "nominal", scale: { domain: spec.series.map(function (s) { return s.label; }),
      range: spec.series.map(function (s) { return s.color; }) }, legend: { title: null, labelLimit: 260 } };
    var op = { condition: { param: "pick", value: 1 }, value: 0.06 };
    return { width: "container", height: 400, data: { values: data },
      encoding: { x: xEnc(spec.periods), opacity: op },
      layer: [
        { mark: { type: "rule" }, encoding: { color: color, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } } },
        { mark: { type: "line" }, encoding: { color: color, y: { field: "y", type: "quantitative", title: spec.yTitle[state.measure],
          axis: { format: kind === "pct" ? ".1%" : "" } } } },
        { mark: { type: "point", filled: true, size: 40 },
          params: [{ name: "pick", select: { type: "point", fields: ["label"], toggle: "true" }, bind: "legend", value: on }, ZOOM],
          encoding: { y: { field: "y", type: "quantitative" }, tooltip: tooltip(kind), color: color,
            shape: { condition: { test: "datum.sparse", value: "triangle" }, value: "circle" } } }
      ] };
  }

  function multiplesSpec(spec, state) {
    var byPanel = !!spec.byPanel, viewKey = byPanel ? state.unit : state.group + "|" + state.measure;
    var view = spec.views[viewKey] || {}, kind = byPanel ? spec.fmt[state.unit] : spec.fmt[state.measure];
    var refView = byPanel ? view : spec.views[spec.reference + "|" + state.measure] || {};
    var showRef = byPanel || state.group !== spec.reference, data = [];
    spec.panels.forEach(function (p) {
      if (!view[p.key]) return;
      var ref = byPanel ? refView[spec.reference] : refView[p.key];
      var series = byPanel ? p.label : state.groupLabel;
      data = data.concat(rows(view[p.key], spec.periods, { panel: p.label, label: series, series: series }, kind));
      if (showRef && ref) data = data.concat(rows(ref, spec.periods, { panel: p.label, label: spec.referenceLabel, series: spec.referenceLabel, ref: true }, kind));
    });
    var domain = [], range = [];
    if (byPanel) spec.panels.forEach(function (p) { domain.push(p.label); range.push(spec.colors[p.key]); });
    else { domain.push(state.groupLabel); range.push(spec.colors[state.group] || "#4e79a7"); }
    domain.push(spec.referenceLabel); range.push("#8c8c8c");
    var color = { field: "series", type: "nominal", scale: { domain: domain, range: range }, legend: { title: null, orient: "top" } };
    var yAxis = { format: kind === "pct" ? ".0%" : "" };
    return { data: { values: data },
      columns: 3, facet: { field: "panel", type: "nominal", sort: spec.panels.map(function (p) { return p.label; }),
        header: { title: null, labelLimit: 0, labelFontWeight: "bold", labelAlign: "left", labelAnchor: "start" } },
      resolve: { scale: { y: state.sharedY ? "shared" : "independent" } },
      spec: { width: 280, height: 150,
        encoding: { x: xEnc(spec.periods), color: color,
          opacity: { condition: { param: "pick", value: 1 }, value: 0.08 } },
        layer: [
          { mark: { type: "area", fillOpacity: 0.22 }, transform: [{ filter: "!datum.ref" }],
            encoding: { y: { field: "lo", type: "quantitative", title: null, axis: yAxis }, y2: { field: "hi" } } },
          { mark: { type: "line", strokeWidth: 2 }, encoding: { y: { field: "y", type: "quantitative" },
            strokeDash: { condition: { test: "datum.ref", value: [3, 3] }, value: [1, 0] } } },
          { mark: { type: "point", filled: true, size: 30 },
            params: [{ name: "pick", select: { type: "point", fields: ["series"], toggle: "true" }, bind: "legend" }, ZOOM],
            encoding: { y: { field: "y", type: "quantitative" }, tooltip: tooltip(kind) } }
        ] } };
  }

  function dotsSpec(spec, state) {
    var key = state.view + (state.group ? "|" + state.group : "|none|all"), rs = spec.views[key] || [];
    var kind = spec.fmt[state.view], sc = kind === "pp" ? 100 : 1;
    var data = rs.map(function (r, i) {
      return { label: r.label, order: i, x: r.x * sc, lo: r.lo === null ? null : r.lo * sc, hi: r.hi === null ? null : r.hi * sc,
        n: r.n, cat: r.cat, note: r.note, value_t: fmtV(kind, r.x) + " per year",
        interval: r.lo === null ? "–" : fmtV(kind, r.lo) + " – " + fmtV(kind, r.hi) };
    });
    var cats = Object.keys(spec.categories);
    var color = { field: "cat", type: "nominal", scale: { domain: cats, range: cats.map(function (c) { return spec.categories[c]; }) },
      legend: { title: null, orient: "bottom" } };
    var y = { field: "label", type: "nominal", sort: { field: "order" }, title: null, axis: { labelLimit: 380 } };
    return { width: "container", height: { step: 22 }, autosize: { type: "fit-x", contains: "padding" }, data: { values: data },
      encoding: { y: y, color: color, opacity: { condition: { param: "pick", value: 1 }, value: 0.1 } },
      layer: [
        { mark: "rule", encoding: { x: { field: "lo", type: "quantitative", title: spec.xTitle + (kind === "pp" ? " (percentage points)" : "") }, x2: { field: "hi" } } },
        { mark: { type: "point", filled: true, size: 60 },
          params: [{ name: "pick", select: { type: "point", fields: ["cat"], toggle: "true" }, bind: "legend" }], encoding: { x: { field: "x", type: "quantitative" },
          tooltip: [{ field: "label", title: "" }, { field: "value_t", title: "change" }, { field: "interval" },
            { field: "n", title: "documents (n)" }, { field: "note" }, { field: "cat", title: "direction" }] } },
        { mark: { type: "rule", color: "#444" }, encoding: { x: { datum: 0 }, y: null } }
      ] };
  }

  var SPECS = { lines: linesSpec, multiples: multiplesSpec, dots: dotsSpec };
  window.themenradarDraw = function (plot, spec, state) {
    var vl = SPECS[spec.kind](spec, state);
    if (plot.trcView) plot.trcView.finalize();
    return vegaEmbed(plot, vl, { actions: false, renderer: "svg", mode: "vega-lite" }).then(function (res) { plot.trcView = res.view; return res; });
  };
})();
