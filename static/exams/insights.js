/* Insight pages (overview, distribution, heatmap, compare, Pareto, pending,
   forecast): draw the server-built Plotly figures and follow a chart
   element's drill-down link to its exams. The page data comes from the
   json_script "insight-data": {charts: [{id, figure, drill: {urls}}]}. */
(function () {
  "use strict";

  // No cloud sharing: see plotConfig in common.js.
  const PLOT_CONFIG = window.TATviz.plotConfig("tatviz-chart");

  /* The key a chart's drill-down links are stored under for one point:
     "Mon|09" for a heatmap cell, the raw group for boxes and bars (meta),
     the date for the compare lines (customdata), else the x value. */
  function keyOf(point) {
    if (point.data.type === "heatmap") return point.y + "|" + point.x;
    const meta = point.data.meta;
    if (Array.isArray(meta)) return String(meta[point.pointIndex]);
    if (typeof point.customdata === "string") return point.customdata;
    return String(point.x);
  }

  function draw(chart) {
    const node = document.getElementById(chart.id);
    if (!node || !chart.figure) return;
    const urls = (chart.drill && chart.drill.urls) || {};
    // A figure taller than its box (many rows) grows the box, not overflows it.
    const height = chart.figure.layout && chart.figure.layout.height;
    if (height > node.clientHeight) node.style.height = height + "px";
    window.Plotly.newPlot(node, chart.figure.data, chart.figure.layout, PLOT_CONFIG)
      .then(function () {
        if (!Object.keys(urls).length) return;
        node.classList.add("clickable");
        node.on("plotly_click", function (event) {
          const point = event.points && event.points[0];
          const url = point ? urls[keyOf(point)] : null;
          if (url) window.location.assign(url);
        });
      });
  }

  // Empty fields (no date chosen) stay out of the URL, as on the dashboard.
  const form = document.getElementById("insight-form");
  if (form) {
    form.addEventListener("submit", function () {
      for (const element of form.elements) {
        if (element.name && element.value === "") element.disabled = true;
      }
    });
  }

  const data = window.TATviz ? window.TATviz.readJSON("insight-data") : null;
  if (!data || !window.Plotly) return;
  data.charts.forEach(draw);
})();
