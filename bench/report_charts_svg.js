/* Candidate drawer for bench/report_charts.py: the same chart specs as pipeline/report/interactive/assets/
 * charts.js, drawn as hand-written SVG (no library). Hover tooltip, HTML legend with toggles, drag to zoom
 * the period axis (double click resets). Sets window.themenradarDraw. */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg", GREY = "#8c8c8c";
  function el(tag, attrs, parent) {
    var e = document.createElementNS(NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(e);
    return e;
  }
  function fmtV(kind, v) {
    if (v === null || v === undefined) return "–";
    if (kind === "pct") return (100 * v).toFixed(Math.abs(v) < 0.1 ? 2 : 1) + " %";
    if (kind === "pp") return (v >= 0 ? "+" : "") + (100 * v).toFixed(2) + " pp";
    return v.toFixed(2);
  }
  function ticks(lo, hi, n) {
    var span = hi - lo || 1, step = Math.pow(10, Math.floor(Math.log10(span / n))), out = [];
    [1, 2, 5, 10].some(function (m) { if (span / (step * m) <= n) { step *= m; return true; } return false; });
    for (var t = Math.ceil(lo / step) * step; t <= hi + 1e-12; t += step) out.push(+t.toFixed(12));
    return out;
  }
  function tip(plot) {
    var t = plot.parentNode.querySelector(".trc-tip");
    if (!t) {
      t = document.createElement("div"); t.className = "trc-tip";
      t.style.cssText = "position:absolute;pointer-events:none;background:#fff;border:1px solid #999;padding:4px 6px;font-size:12px;display:none;white-space:pre;z-index:5";
      plot.parentNode.style.position = "relative"; plot.parentNode.appendChild(t);
    }
    return t;
  }
  function hover(node, plot, lines) {
    node.addEventListener("mouseenter", function (ev) {
      var t = tip(plot), box = plot.parentNode.getBoundingClientRect();
      t.textContent = lines.join("\n"); t.style.display = "block";
      t.style.left = (ev.clientX - box.left + 12) + "px"; t.style.top = (ev.clientY - box.top + 12) + "px";
    });
    node.addEventListener("mouseleave", function () { tip(plot).style.display = "none"; });
  }
  function pointLines(label, period, p, kind) {
    var l = [label, period + ": " + fmtV(kind, p[0]) + (p[1] !== null ? " [" + fmtV(kind, p[1]) + " – " + fmtV(kind, p[2]) + "]" : ""),
      "n = " + Number(p[3]).toLocaleString("en-US") + " documents"];
    if (p[4]) l.push("sparse: read with care");
    return l;
  }
  function legend(plot, items, state) {
    var box = document.createElement("div");
    box.className = "trc-legend"; box.style.cssText = "display:flex;flex-wrap:wrap;gap:2px 12px;font-size:12px;margin:4px 0";
    items.forEach(function (it) {
      var s = document.createElement("span"), off = state.hidden[it.key] === "legendonly";
      s.style.cssText = "cursor:pointer;opacity:" + (off ? 0.35 : 1);
      s.setAttribute("data-legend", it.key);
      var sw = document.createElement("span");
      sw.style.cssText = "display:inline-block;width:14px;height:3px;margin:0 4px 3px 0;vertical-align:middle;background:" + it.color;
      s.appendChild(sw); s.appendChild(document.createTextNode(it.label));
      s.addEventListener("click", function () { state.hidden[it.key] = off ? true : "legendonly"; state.redrawSelf(); });
      box.appendChild(s);
    });
    plot.appendChild(box);
  }
  function zoomable(svg, plot, state, x0, x1, inv) {
    var start = null, rect = null;
    svg.addEventListener("mousedown", function (ev) {
      var b = svg.getBoundingClientRect(); start = ev.clientX - b.left;
      rect = el("rect", { x: start, y: 0, width: 0, height: svg.getAttribute("height"), fill: "rgba(0,0,0,0.08)" }, svg);
    });
    svg.addEventListener("mousemove", function (ev) {
      if (start === null) return;
      var x = ev.clientX - svg.getBoundingClientRect().left;
      rect.setAttribute("x", Math.min(x, start)); rect.setAttribute("width", Math.abs(x - start));
    });
    svg.addEventListener("mouseup", function (ev) {
      if (start === null) return;
      var x = ev.clientX - svg.getBoundingClientRect().left, a = Math.min(x, start), b = Math.max(x, start);
      start = null; rect.remove();
      if (b - a > 8) { state.zoom = [inv(a), inv(b)]; state.redrawSelf(); }
    });
    svg.addEventListener("dblclick", function () { state.zoom = null; state.redrawSelf(); });
  }
  function panel(g, o) {
    // o: x (periods), width, height, series [{label, color, pts, band, dash}], kind, yMax, plot, state
    var n = o.periods.length, z = o.state.zoom || [-0.5, n - 0.5];
    var sx = function (i) { return 45 + (i - z[0]) / (z[1] - z[0]) * (o.width - 55); };
    var sy = function (v) { return o.height - 22 - v / o.yMax * (o.height - 30); };
    ticks(0, o.yMax, 4).forEach(function (t) {
      el("line", { x1: 45, x2: o.width - 10, y1: sy(t), y2: sy(t), stroke: "#eee" }, g);
      el("text", { x: 40, y: sy(t) + 4, "text-anchor": "end", "font-size": 10 }, g).textContent = fmtV(o.kind === "pp" ? "num" : o.kind, t).replace(".0 %", " %");
    });
    var step = Math.max(1, Math.ceil((z[1] - z[0]) / 10));
    o.periods.forEach(function (p, i) {
      if (i % step || i < z[0] || i > z[1]) return;
      el("text", { x: sx(i), y: o.height - 6, "text-anchor": "middle", "font-size": 10 }, g).textContent = p;
    });
    var clip = "c" + Math.random().toString(36).slice(2);
    el("rect", { x: 45, y: 0, width: o.width - 55, height: o.height }, el("clipPath", { id: clip }, g));
    var body = el("g", { "clip-path": "url(#" + clip + ")" }, g);
    o.series.forEach(function (s, si) {
      var dx = o.series.length > 1 && !s.band ? (si / (o.series.length - 1) - 0.5) * 0.3 : 0, d = "", pen = false;
      if (s.band) {
        var up = [], dn = [];
        s.pts.forEach(function (p, i) { if (p[1] !== null && p[2] !== null) { up.push(sx(i) + "," + sy(p[2])); dn.unshift(sx(i) + "," + sy(p[1])); } });
        if (up.length) el("polygon", { points: up.concat(dn).join(" "), fill: s.color, "fill-opacity": 0.2 }, body);
      }
      s.pts.forEach(function (p, i) {
        if (p[0] === null) { pen = false; return; }
        d += (pen ? "L" : "M") + sx(i + dx) + "," + sy(p[0]); pen = true;
      });
      el("path", { d: d, fill: "none", stroke: s.color, "stroke-width": s.dash ? 1.2 : 1.8, "stroke-dasharray": s.dash ? "3,3" : "none" }, body);
      s.pts.forEach(function (p, i) {
        if (p[0] === null) return;
        if (!s.band && !s.dash && p[1] !== null) el("line", { x1: sx(i + dx), x2: sx(i + dx), y1: sy(p[1]), y2: sy(p[2]), stroke: s.color }, body);
        var c = el("circle", { cx: sx(i + dx), cy: sy(p[0]), r: s.dash ? 2.5 : 3.5, fill: p[4] ? "#fff" : s.color, stroke: s.color }, body);
        hover(c, o.plot, pointLines(s.label, o.periods[i], p, o.kind));
      });
    });
  }
  function maxOf(lists) {
    var m = 0;
    lists.forEach(function (pts) { (pts || []).forEach(function (p) { m = Math.max(m, p[0] || 0, p[2] || 0); }); });
    return (m || 1) * 1.05;
  }
  function lines(plot, spec, state) {
    var kind = spec.fmt[state.measure], view = spec.views[state.group + "|" + state.measure] || {}, W = plot.clientWidth;
    var on = spec.series.filter(function (s) {
      var h = state.hidden[s.key]; return view[s.key] && (h === undefined ? s.visible : h === true);
    });
    legend(plot, spec.series.map(function (s) {
      if (state.hidden[s.key] === undefined) state.hidden[s.key] = s.visible ? true : "legendonly";
      return { key: s.key, label: s.label, color: s.color };
    }), state);
    var svg = el("svg", { width: W, height: 420 }, plot);
    panel(el("g", {}, svg), { periods: spec.periods, width: W, height: 420, kind: kind, plot: plot, state: state,
      yMax: maxOf(on.map(function (s) { return view[s.key]; })),
      series: on.map(function (s) { return { label: s.label, color: s.color, pts: view[s.key] }; }) });
    var z = state.zoom || [-0.5, spec.periods.length - 0.5];
    zoomable(svg, plot, state, 45, W - 10, function (px) { return z[0] + (px - 45) / (W - 55) * (z[1] - z[0]); });
  }
  function multiples(plot, spec, state) {
    var byPanel = !!spec.byPanel, view = spec.views[byPanel ? state.unit : state.group + "|" + state.measure] || {};
    var kind = byPanel ? spec.fmt[state.unit] : spec.fmt[state.measure];
    var refView = byPanel ? view : spec.views[spec.reference + "|" + state.measure] || {};
    var showRef = (byPanel || state.group !== spec.reference) && state.hidden.ref !== "legendonly";
    var panels = spec.panels.filter(function (p) { return view[p.key]; }), W = plot.clientWidth, ncol = 3;
    var pw = Math.floor(W / ncol), ph = 200, nrow = Math.ceil(panels.length / ncol);
    legend(plot, [{ key: "sel", label: byPanel ? "group" : state.groupLabel, color: byPanel ? "#4e79a7" : spec.colors[state.group] || "#4e79a7" },
      { key: "ref", label: spec.referenceLabel, color: GREY }], state);
    var svg = el("svg", { width: W, height: nrow * (ph + 34) }, plot);
    var all = panels.map(function (p) { return view[p.key]; });
    var shared = maxOf(all.concat(panels.map(function (p) { return byPanel ? refView[spec.reference] : refView[p.key]; })));
    panels.forEach(function (p, i) {
      var g = el("g", { transform: "translate(" + (i % ncol) * pw + "," + (Math.floor(i / ncol) * (ph + 34) + 30) + ")" }, svg);
      var t = el("text", { x: 45, y: -8, "font-size": 11, "font-weight": "bold" }, g);
      t.textContent = p.label;
      var color = byPanel ? spec.colors[p.key] : spec.colors[state.group] || "#4e79a7";
      var ref = byPanel ? refView[spec.reference] : refView[p.key], series = [];
      if (showRef && ref) series.push({ label: spec.referenceLabel + " · " + p.label, color: GREY, pts: ref, dash: true });
      if (state.hidden.sel !== "legendonly") series.push({ label: p.label, color: color, pts: view[p.key], band: true });
      panel(g, { periods: spec.periods, width: pw, height: ph, kind: kind, plot: plot, state: state, series: series,
        yMax: state.sharedY ? shared : maxOf([view[p.key], showRef ? ref : null]) });
    });
    var z = state.zoom || [-0.5, spec.periods.length - 0.5];
    zoomable(svg, plot, state, 45, pw - 10, function (px) { return z[0] + ((px % pw) - 45) / (pw - 55) * (z[1] - z[0]); });
  }
  function dots(plot, spec, state) {
    var rows = spec.views[state.view + (state.group ? "|" + state.group : "|none|all")] || [], kind = spec.fmt[state.view];
    var cats = Object.keys(spec.categories);
    legend(plot, cats.map(function (c) { return { key: c, label: c, color: spec.categories[c] }; }), state);
    rows = rows.filter(function (r) { return state.hidden[r.cat] !== "legendonly"; });
    var W = plot.clientWidth, H = rows.length * 22 + 40, svg = el("svg", { width: W, height: H }, plot), g = el("g", {}, svg);
    var labels = rows.map(function (r, i) {
      var t = el("text", { x: 0, y: 16 + i * 22, "font-size": 11 }, g); t.textContent = r.label; return t;
    });
    var L = 10 + Math.max.apply(null, [0].concat(labels.map(function (t) { return t.getComputedTextLength(); })));
    labels.forEach(function (t) { t.setAttribute("x", L - 6); t.setAttribute("text-anchor", "end"); });
    var lo = Math.min.apply(null, [0].concat(rows.map(function (r) { return r.lo === null ? r.x : r.lo; })));
    var hi = Math.max.apply(null, [0].concat(rows.map(function (r) { return r.hi === null ? r.x : r.hi; })));
    var sx = function (v) { return L + (v - lo) / (hi - lo || 1) * (W - L - 20); };
    ticks(lo, hi, 6).forEach(function (t) {
      el("line", { x1: sx(t), x2: sx(t), y1: 0, y2: H - 30, stroke: t === 0 ? "#444" : "#eee" }, g);
      el("text", { x: sx(t), y: H - 16, "text-anchor": "middle", "font-size": 10 }, g).textContent = fmtV(kind, t);
    });
    rows.forEach(function (r, i) {
      var y = 12 + i * 22, c = spec.categories[r.cat];
      if (r.lo !== null) el("line", { x1: sx(r.lo), x2: sx(r.hi), y1: y, y2: y, stroke: c, "stroke-width": 1.5 }, g);
      var dot = el("circle", { cx: sx(r.x), cy: y, r: 4.5, fill: c }, g);
      hover(dot, plot, [r.label, fmtV(kind, r.x) + " per year [" + fmtV(kind, r.lo) + " – " + fmtV(kind, r.hi) + "]",
        "n = " + Number(r.n).toLocaleString("en-US") + " documents", r.note + " · " + r.cat]);
    });
    el("text", { x: L, y: H - 2, "font-size": 11 }, g).textContent = spec.xTitle;
  }
  var DRAW = { lines: lines, multiples: multiples, dots: dots };
  window.themenradarDraw = function (plot, spec, state) {
    state.redrawSelf = function () { window.themenradarDraw(plot, spec, state); };
    plot.textContent = "";
    DRAW[spec.kind](plot, spec, state);
    return Promise.resolve();
  };
})();
