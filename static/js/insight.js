/* Forecast charts (Chart.js, vendored in static/vendor/chartjs): history, forecast and its
   80 % and 95 % bands, from the JSON each forecast card embeds. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  document.querySelectorAll("canvas.forecast-chart").forEach(function (canvas) {
    var node = document.getElementById(canvas.dataset.chartId);
    if (!node) { return; }
    var d = JSON.parse(node.textContent);
    var money = new Intl.NumberFormat(undefined, { style: "currency", currency: d.currency });
    function band(label, data, fill, color) {
      return { label: label, data: data, borderWidth: 0, pointRadius: 0, fill: fill,
               backgroundColor: color, spanGaps: false };
    }
    new Chart(canvas, {
      type: "line",
      data: { labels: d.labels, datasets: [
        band("95 % low", d.lo95, false, "rgba(31,119,180,0.12)"),
        band("95 % range", d.hi95, "-1", "rgba(31,119,180,0.12)"),
        band("80 % low", d.lo80, false, "rgba(31,119,180,0.25)"),
        band("80 % range", d.hi80, "-1", "rgba(31,119,180,0.25)"),
        { label: "Actual", data: d.history, borderColor: "#333", backgroundColor: "#333",
          pointRadius: 2, borderWidth: 2, fill: false },
        { label: "Forecast", data: d.mean, borderColor: "#1f77b4", backgroundColor: "#1f77b4",
          borderDash: [6, 4], pointRadius: 2, borderWidth: 2, fill: false }
      ] },
      options: { animation: false, responsive: true,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { labels: { filter: function (item) {
          return item.text.indexOf(" low") === -1; } } },
          tooltip: { callbacks: { label: function (c) {
            return c.parsed.y === null ? null : c.dataset.label + ": " + money.format(c.parsed.y);
          } } } },
        scales: { y: { ticks: { callback: function (v) { return money.format(v); } } } } }
    });
  });
}());
