/* Themenradar interactive charts: draws the chart specs of pipeline/report/interactive/data.py with
 * plotly.js (basic bundle, inlined in the same page). Each <figure class="trc-chart"> holds its spec as
 * a JSON script block of class trc-spec; the selectors (group, measure, topic/theme) are
 * built here from the spec. Charts near the first screen are drawn at once, then
 * performance.mark("themenradar-charts-ready") and <html data-charts-ready="N drawn">; the others when
 * scrolled near (each drawn figure gets data-drawn="true"); themenradarCharts.drawAll() draws every
 * chart. Labels are escaped before plotly sees them (it reads a few HTML tags and $...$ as TeX). */
(function () {
  "use strict";
  var GREY = "#8c8c8c";
  var CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d"] };

  function esc(s) {
    // plotly renders a few tags (<b>, <br>, <a>) and TeX between $ signs: make every label plain text
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\$/g, "&#36;");
  }
  function wrap(s, width) {
    var words = String(s).split(/\s+/), lines = [], cur = "";
    words.forEach(function (w) {
      if (cur && (cur + " " + w).length > width) { lines.push(cur); cur = w; } else { cur = cur ? cur + " " + w : w; }
    });
    if (cur) lines.push(cur);
    return lines.map(esc).join("<br>");
  }
  function fmt(kind, v) {
    if (v === null || v === undefined) return "–";
    if (kind === "pct") return (100 * v).toFixed(Math.abs(v) < 0.1 ? 2 : 1) + " %";
    if (kind === "pp") return (v >= 0 ? "+" : "") + (100 * v).toFixed(2) + " pp";
    return (v >= 0 && kind === "slope" ? "+" : "") + v.toFixed(Math.abs(v) < 10 ? 2 : 1);
  }
  function nText(n) { return "n = " + Number(n).toLocaleString("en-US") + " documents"; }
  function pointText(label, period, p, kind) {
    // p = [value, lower, upper, n_docs, sparse]
    var s = esc(label) + "<br>" + esc(period) + ": <b>" + fmt(kind, p[0]) + "</b>";
    if (p[1] !== null && p[2] !== null) s += " [" + fmt(kind, p[1]) + " – " + fmt(kind, p[2]) + "]";
    s += "<br>" + nText(p[3]);
    if (p[4]) s += " (sparse: read with care)";
    return s;
  }
  function col(points, i) { return points.map(function (p) { return p[i]; }); }
  function periodAxis(periods) {
    var step = Math.max(1, Math.ceil(periods.length / 12)), vals = [], text = [];
    periods.forEach(function (p, i) { if (i % step === 0) { vals.push(i); text.push(esc(p)); } });
    return { tickvals: vals, ticktext: text, range: [-0.5, periods.length - 0.5], zeroline: false };
  }
  function band(x, lo, hi) {
    // interval band as closed polygons, one per run of periods with an interval (gaps stay gaps)
    var bx = [], by = [], run = [];
    function flush() {
      if (run.length) {
        run.forEach(function (i) { bx.push(x[i]); by.push(hi[i]); });
        run.slice().reverse().forEach(function (i) { bx.push(x[i]); by.push(lo[i]); });
        bx.push(null); by.push(null);
      }
      run = [];
    }
    for (var i = 0; i < x.length; i++) { if (lo[i] !== null && hi[i] !== null) run.push(i); else flush(); }
    flush();
    return { x: bx, y: by };
  }
  function errorY(points, color) {
    return { type: "data", symmetric: false, color: color, thickness: 1, width: 2,
      array: points.map(function (p) { return p[2] === null || p[0] === null ? 0 : p[2] - p[0]; }),
      arrayminus: points.map(function (p) { return p[1] === null || p[0] === null ? 0 : p[0] - p[1]; }) };
  }
  function reach(p) {
    // how high the y-axis must go for a point: its value, and its upper bound unless the cell is sparse
    // (a sparse cell's wide band may run off the axis, so that one tiny group does not flatten the others)
    return Math.max(p[0] || 0, p[4] ? 0 : p[2] || 0);
  }
  function symbols(points) { return points.map(function (p) { return p[4] ? "circle-open" : "circle"; }); }

  function linesFigure(spec, state) {
    var measure = state.measure, kind = spec.fmt[measure], view = spec.views[state.group + "|" + measure] || {};
    var n = spec.series.length, traces = [];
    spec.series.forEach(function (s, i) {
      var pts = view[s.key];
      if (!pts) return;
      var dx = n > 1 ? (i / (n - 1) - 0.5) * 0.3 : 0;
      traces.push({
        type: "scatter", mode: "lines+markers", name: s.label, legendgroup: s.key,
        visible: state.hidden[s.key] === undefined ? (s.visible ? true : "legendonly") : state.hidden[s.key],
        x: spec.periods.map(function (_, j) { return j + dx; }), y: col(pts, 0),
        line: { color: s.color, width: 1.8 }, marker: { color: s.color, size: 6, symbol: symbols(pts) },
        error_y: errorY(pts, s.color), connectgaps: false,
        text: pts.map(function (p, j) { return pointText(s.label, spec.periods[j], p, kind); }),
        hovertemplate: "%{text}<extra></extra>"
      });
    });
    var ax = periodAxis(spec.periods);
    return { data: traces, layout: {
      height: 480, margin: { l: 60, r: 10, t: 40, b: 40 }, hovermode: "closest", dragmode: "zoom",
      xaxis: Object.assign(ax, { title: { text: "period" } }),
      yaxis: { title: { text: esc(spec.yTitle[measure]) }, tickformat: kind === "pct" ? ".1%" : "", rangemode: "tozero", fixedrange: true },
      legend: { font: { size: 11 }, itemclick: "toggle", itemdoubleclick: "toggleothers" }
    } };
  }

  function multiplesFigure(spec, state) {
    var byPanel = !!spec.byPanel, viewKey = byPanel ? state.unit : state.group + "|" + state.measure;
    var view = spec.views[viewKey] || {}, kind = byPanel ? spec.fmt[state.unit] : spec.fmt[state.measure];
    var refView = byPanel ? view : spec.views[spec.reference + "|" + state.measure] || {};
    var showRef = byPanel || state.group !== spec.reference;
    var panels = spec.panels.filter(function (p) { return view[p.key]; });
    var ncol = Math.min(3, Math.max(1, panels.length)), nrow = Math.ceil(panels.length / ncol);
    var traces = [], annotations = [], layout = {}, x = spec.periods.map(function (_, j) { return j; });
    var gapX = 0.06, gapY = 0.09, w = (1 - gapX * (ncol - 1)) / ncol, h = (1 - gapY * (nrow - 1)) / nrow;
    var ax = periodAxis(spec.periods), top = 0;
    panels.forEach(function (panel) {
      // shared y-scale: one explicit range over every panel's values and upper bounds (and the reference)
      var ref = byPanel ? refView[spec.reference] : refView[panel.key];
      [view[panel.key], showRef ? ref : null].forEach(function (pts) {
        (pts || []).forEach(function (p) { top = Math.max(top, reach(p)); });
      });
    });
    top = top || 1;
    panels.forEach(function (panel, i) {
      var r = Math.floor(i / ncol), c = i % ncol, sfx = i === 0 ? "" : String(i + 1);
      var color = byPanel ? spec.colors[panel.key] : spec.colors[state.group] || "#4e79a7";
      var label = panel.label, pts = view[panel.key], ptop = 0;
      pts.forEach(function (p) { ptop = Math.max(ptop, reach(p)); });
      var scaleTop = state.sharedY ? top : ptop;
      var x0 = c * (w + gapX), y1 = 1 - r * (h + gapY);
      layout["xaxis" + sfx] = Object.assign({}, ax, { domain: [x0, x0 + w], anchor: "y" + sfx,
        matches: i ? "x" : undefined, showticklabels: true, tickfont: { size: 10 } });
      layout["yaxis" + sfx] = { domain: [y1 - h, y1], anchor: "x" + sfx, fixedrange: true, rangemode: "tozero",
        tickformat: kind === "pct" ? (scaleTop < 0.05 ? ".1%" : ".0%") : "", tickfont: { size: 10 },
        range: [0, (state.sharedY ? top : ptop || top) * 1.05], autorange: false };
      annotations.push({ text: "<b>" + wrap(label, ncol === 1 ? 90 : 38) + "</b>", x: x0, y: y1, xref: "paper", yref: "paper",
        xanchor: "left", yanchor: "bottom", showarrow: false, align: "left", font: { size: 11 } });
      var xa = "x" + sfx, ya = "y" + sfx;
      var ref = byPanel ? refView[spec.reference] : refView[panel.key];
      if (showRef && ref) {
        traces.push({ type: "scatter", mode: "lines", xaxis: xa, yaxis: ya, x: x, y: col(ref, 0), name: esc(spec.referenceLabel),
          legendgroup: "ref", showlegend: i === 0, line: { color: GREY, width: 1.2, dash: "dot" },
          text: ref.map(function (p, j) { return pointText(spec.referenceLabel + " · " + label, spec.periods[j], p, kind); }),
          hovertemplate: "%{text}<extra></extra>" });
      }
      var b = band(x, col(pts, 1), col(pts, 2));
      traces.push({ type: "scatter", mode: "lines", xaxis: xa, yaxis: ya, x: b.x, y: b.y, fill: "toself",
        fillcolor: color, opacity: 0.22, line: { width: 0 }, hoverinfo: "skip", name: "95 % interval",
        legendgroup: "band", showlegend: i === 0 });
      traces.push({ type: "scatter", mode: "lines+markers", xaxis: xa, yaxis: ya, x: x, y: col(pts, 0),
        name: byPanel ? "group (colour per panel)" : esc(state.groupLabel), legendgroup: "sel", showlegend: i === 0,
        line: { color: color, width: 2 }, marker: { color: color, size: 6, symbol: symbols(pts) },
        text: pts.map(function (p, j) { return pointText(label, spec.periods[j], p, kind); }),
        hovertemplate: "%{text}<extra></extra>" });
    });
    return { data: traces, layout: Object.assign(layout, {
      height: 225 * nrow + 90, margin: { l: 50, r: 10, t: 72, b: spec.periods.length > 6 ? 48 : 28 }, annotations: annotations,
      hovermode: "closest", dragmode: "zoom", legend: { orientation: "h", x: 0, y: 1, yanchor: "top",
        yref: "container" }
    }) };
  }

  function dotsFigure(spec, state) {
    var key = state.view + (state.group ? "|" + state.group : "|none|all"), rows = spec.views[key] || [];
    var kind = spec.fmt[state.view], cats = Object.keys(spec.categories), traces = [], sc = kind === "pp" ? 100 : 1;
    var labels = rows.map(function (r) { return r.label; }).reverse();
    cats.forEach(function (cat) {
      var rs = rows.filter(function (r) { return r.cat === cat; });
      if (!rs.length) return;
      var color = spec.categories[cat];
      traces.push({ type: "scatter", mode: "markers", name: esc(cat), legendgroup: cat,
        x: rs.map(function (r) { return r.x * sc; }), y: rs.map(function (r) { return esc(r.label); }),
        marker: { color: color, size: 8 }, error_x: { type: "data", symmetric: false, color: color, thickness: 1.5, width: 3,
          array: rs.map(function (r) { return r.hi === null ? 0 : (r.hi - r.x) * sc; }),
          arrayminus: rs.map(function (r) { return r.lo === null ? 0 : (r.x - r.lo) * sc; }) },
        text: rs.map(function (r) {
          return esc(r.label) + "<br><b>" + fmt(kind, r.x) + " per year</b> [" + fmt(kind, r.lo) + " – " + fmt(kind, r.hi) + "]<br>" +
            nText(r.n) + "<br>" + esc(r.note) + " · " + esc(r.cat);
        }), hovertemplate: "%{text}<extra></extra>" });
    });
    return { data: traces, layout: {
      height: Math.max(220, 24 * rows.length + 120), margin: { l: 10, r: 10, t: 36, b: 50 }, hovermode: "closest",
      xaxis: { title: { text: esc(spec.xTitle) + (kind === "pp" ? " (percentage points)" : "") },
        tickformat: "+.1f", zeroline: true, zerolinecolor: "#444" },
      yaxis: { type: "category", categoryorder: "array", categoryarray: labels.map(esc), automargin: true, fixedrange: true,
        tickfont: { size: 11 } },
      legend: { orientation: "h", x: 0, y: -0.12, yanchor: "top" }
    } };
  }

  var FIGURES = { lines: linesFigure, multiples: multiplesFigure, dots: dotsFigure };

  function controls(fig, spec, state, redraw) {
    var box = fig.querySelector(".trc-controls");
    (spec.selectors || []).forEach(function (sel) {
      if (sel.options.length < 2) return;
      var label = document.createElement("label"), select = document.createElement("select");
      label.textContent = sel.label + " ";
      select.setAttribute("data-selector", sel.name);
      sel.options.forEach(function (o) {
        var opt = document.createElement("option");
        opt.value = o.value; opt.textContent = o.label;
        select.appendChild(opt);
      });
      select.value = state[sel.name];
      select.addEventListener("change", function () {
        state[sel.name] = select.value;
        if (sel.name === "group") state.groupLabel = select.options[select.selectedIndex].textContent;
        redraw();
      });
      label.appendChild(select);
      box.appendChild(label);
    });
    if (spec.kind === "multiples") {
      var lab = document.createElement("label"), cb = document.createElement("input");
      cb.type = "checkbox"; cb.checked = state.sharedY; cb.setAttribute("data-selector", "sharedY");
      cb.addEventListener("change", function () { state.sharedY = cb.checked; redraw(); });
      lab.appendChild(cb); lab.appendChild(document.createTextNode(" same y-scale in every panel"));
      box.appendChild(lab);
    }
  }

  function plotlyDraw(plot, spec, state) {
    var f = FIGURES[spec.kind](spec, state);
    var done = Plotly.react(plot, f.data, f.layout, CONFIG);
    if (!plot.trcListening && spec.kind === "lines") {
      plot.trcListening = true;
      plot.on("plotly_legendclick", function () {
        // remember the legend toggles across group/measure switches
        setTimeout(function () {
          (plot.data || []).forEach(function (t) { if (t.legendgroup) state.hidden[t.legendgroup] = t.visible; });
        }, 0);
      });
    }
    return done;
  }

  function expectedHeight(spec) {
    // the height a chart will take, reserved before drawing so that the page keeps its layout
    if (spec.kind === "lines") return 480;
    if (spec.kind === "multiples") return 225 * Math.ceil(spec.panels.length / 3) + 90;
    var rows = 0;
    Object.keys(spec.views).forEach(function (k) { rows = Math.max(rows, spec.views[k].length); });
    return Math.max(220, 24 * rows + 120);
  }

  function prepare(fig) {
    // window.themenradarDraw: another drawer with the same contract (bench/report_charts.py compares them)
    var draw = window.themenradarDraw || plotlyDraw;
    var spec = JSON.parse(fig.querySelector("script.trc-spec").textContent);
    var plot = fig.querySelector(".trc-plot"),
      state = { hidden: {}, sharedY: spec.sharedY === undefined ? !!spec.byPanel : !!spec.sharedY };
    (spec.selectors || []).forEach(function (sel) {
      state[sel.name] = sel.options.length ? sel.options[0].value : "";
      if (sel.name === "group") state.groupLabel = sel.options.length ? sel.options[0].label : "";
    });
    function redraw() { return draw(plot, spec, state); }
    controls(fig, spec, state, redraw);
    plot.style.minHeight = expectedHeight(spec) + "px";
    fig.themenradar = { spec: spec, state: state, redraw: redraw, drawn: null };
  }

  function render(fig) {
    var t = fig.themenradar;
    if (!t.drawn) {
      t.drawn = Promise.resolve(t.redraw()).then(function () { fig.setAttribute("data-drawn", "true"); });
      t.drawn.catch(function (err) { console.error("themenradar charts:", err); });
    }
    return t.drawn;
  }

  // Charts in or near the first screen are drawn at once, the others when they come near the viewport
  // (or before printing): a long report opens as fast as its first screen. drawAll() draws every chart.
  function renderAll() {
    var figs = Array.prototype.slice.call(document.querySelectorAll("figure.trc-chart"));
    figs.forEach(prepare);
    var near = window.innerHeight + 600, now = [], later = [];
    figs.forEach(function (f) {
      (window.IntersectionObserver && f.getBoundingClientRect().top > near ? later : now).push(f);
    });
    if (later.length) {
      var io = new IntersectionObserver(function (entries) {
        entries.forEach(function (e) { if (e.isIntersecting) { io.unobserve(e.target); render(e.target); } });
      }, { rootMargin: "600px 0px" });
      later.forEach(function (f) { io.observe(f); });
    }
    window.themenradarCharts = { drawAll: function () { return Promise.all(figs.map(render)); } };
    window.addEventListener("beforeprint", window.themenradarCharts.drawAll);
    Promise.all(now.map(render)).then(function () {
      performance.mark("themenradar-charts-ready");
      document.documentElement.setAttribute("data-charts-ready", String(now.length));
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", renderAll);
  else renderAll();
})();
