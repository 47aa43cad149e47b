// Small SVG charts drawn here (no chart library, nothing fetched from outside).
(() => {
"use strict";
const PALETTE = ["#2f6db5", "#e28b2d", "#3a9a5b", "#8e5ab5", "#c0392b", "#7f8c8d", "#16a2b8", "#b5842f", "#5d6d7e"];
const NS = "http://www.w3.org/2000/svg";

function el(name, attrs, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

// categories: x labels; series: [{name, values (null = suppressed/none)}]; opts: {stacked, percent, target, max}
function barChart(svg, categories, series, opts = {}) {
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const W = svg.clientWidth || 520, H = svg.clientHeight || 240, L = 40, R = 10, B = 36;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const T = legend(svg, series, L, W - R) + 8;
  const totals = categories.map((_, i) => opts.stacked
    ? series.reduce((s, x) => s + (x.values[i] || 0), 0)
    : Math.max(0, ...series.map(x => x.values[i] || 0)));
  const max = opts.percent ? 1 : Math.max(opts.max || 0, 1, ...totals);
  const y = v => T + (H - T - B) * (1 - v / max);
  for (const f of [0, 0.5, 1]) {
    svg.appendChild(el("line", {class: "axis", x1: L, x2: W - R, y1: y(max * f), y2: y(max * f)}));
    svg.appendChild(el("text", {x: L - 4, y: y(max * f) + 4, "text-anchor": "end"},
      opts.percent ? `${Math.round(f * 100)}%` : String(Math.round(max * f))));
  }
  const band = (W - L - R) / Math.max(1, categories.length);
  const groups = opts.stacked ? 1 : series.length;
  const bw = Math.max(2, (band * 0.8) / groups);
  categories.forEach((cat, i) => {
    let base = 0;
    series.forEach((s, j) => {
      const v = s.values[i];
      if (v === null || v === undefined) return;
      const x = L + i * band + band * 0.1 + (opts.stacked ? 0 : j * bw);
      const top = opts.stacked ? y(base + v) : y(v);
      const bottom = opts.stacked ? y(base) : y(0);
      const rect = el("rect", {class: "bar", x, y: top, width: bw, height: Math.max(0, bottom - top),
        fill: PALETTE[j % PALETTE.length], "data-series": s.name, "data-category": cat, "data-value": v});
      rect.appendChild(el("title", {}, `${s.name} ${cat}: ${opts.percent ? Math.round(v * 1000) / 10 + "%" : v}`));
      svg.appendChild(rect);
      base += opts.stacked ? v : 0;
    });
    if (i % Math.ceil(categories.length / 12) === 0)
      svg.appendChild(el("text", {x: L + i * band + band / 2, y: H - B + 14, "text-anchor": "middle"}, cat));
  });
  if (opts.target !== undefined && opts.target !== null)
    svg.appendChild(el("line", {class: "target", x1: L, x2: W - R, y1: y(opts.target), y2: y(opts.target)}));
  if (!categories.length) svg.appendChild(el("text", {x: W / 2, y: H / 2, "text-anchor": "middle"}, "Inga data / No data"));
}

// The legend wraps onto as many rows as it needs; returns where the plot may start.
function legend(svg, series, left, right) {
  let x = left, y = 6;
  series.forEach((s, j) => {
    const width = 22 + 6.2 * s.name.length;
    if (x > left && x + width > right) { x = left; y += 14; }
    svg.appendChild(el("rect", {x, y, width: 10, height: 10, fill: PALETTE[j % PALETTE.length]}));
    svg.appendChild(el("text", {x: x + 14, y: y + 9}, s.name));
    x += width;
  });
  return y + 14;
}

window.KpiCharts = {barChart};
})();
