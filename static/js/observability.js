/* Performance dashboard charts (Chart.js, vendored in static/vendor/chartjs).
   Reads the JSON the page embeds, then refreshes it every 30 s from /ops/performance/data/. */
(function () {
  "use strict";
  var dataNode = document.getElementById("perf-data");
  if (!dataNode || typeof Chart === "undefined") { return; }
  var data = JSON.parse(dataNode.textContent);
  var charts = {};
  var palette = ["#1f77b4", "#ff7f0e", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

  function lineChart(id, labels, series, options) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    var datasets = Object.keys(series).map(function (name, i) {
      return { label: name, data: series[name], borderColor: palette[i % palette.length],
               backgroundColor: palette[i % palette.length], spanGaps: true, pointRadius: 0,
               borderWidth: 2, tension: 0.2 };
    });
    if (charts[id]) {
      charts[id].data.labels = labels;
      charts[id].data.datasets = datasets;
      charts[id].update("none");
      return;
    }
    charts[id] = new Chart(canvas, {
      type: "line",
      data: { labels: labels, datasets: datasets },
      options: Object.assign({ animation: false, responsive: true,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true } } }, options || {})
    });
  }

  function routeChart() {
    var select = document.getElementById("route-select");
    if (!select) { return; }
    var series = data.route_series[select.value] || { p50: [], p95: [], p99: [] };
    lineChart("chart-route", data.window.labels, series);
  }

  function mvChart() {
    var canvas = document.getElementById("chart-mv");
    if (!canvas) { return; }
    var byView = {};
    data.mv_refreshes.slice().reverse().forEach(function (r) {
      var key = r.view + " (" + r.firm + ")";
      (byView[key] = byView[key] || []).push({ x: new Date(r.at * 1000).toLocaleTimeString(), y: r.ms });
    });
    var datasets = Object.keys(byView).map(function (key, i) {
      return { label: key, data: byView[key], borderColor: palette[i % palette.length],
               backgroundColor: palette[i % palette.length], showLine: false, pointRadius: 3 };
    });
    if (charts.mv) { charts.mv.destroy(); }
    charts.mv = new Chart(canvas, { type: "line", data: { datasets: datasets },
      options: { animation: false, responsive: true,
                 scales: { x: { type: "category" }, y: { beginAtZero: true } } } });
  }

  function draw() {
    var labels = data.window.labels;
    lineChart("chart-latency", labels, { p50: data.overall.p50, p95: data.overall.p95, p99: data.overall.p99 });
    lineChart("chart-rps", labels, { "requests/s": data.overall.rps });
    lineChart("chart-errors", labels, { "5xx %": data.overall.error_pct });
    lineChart("chart-cache", labels, { "hit %": data.overall.cache_hit_pct }, { scales: { y: { min: 0, max: 100 } } });
    lineChart("chart-queues", labels, data.queues.series);
    routeChart();
    mvChart();
  }

  document.querySelectorAll("time.obs-time").forEach(function (node) {
    node.textContent = new Date(node.getAttribute("datetime")).toLocaleString();
  });
  var select = document.getElementById("route-select");
  if (select) { select.addEventListener("change", routeChart); }
  draw();

  setInterval(function () {
    fetch("/ops/performance/data/?minutes=" + data.window.minutes, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (fresh) { if (fresh) { data = fresh; draw(); } })
      .catch(function () { /* keep the last numbers on a network blip */ });
  }, 30000);
})();
