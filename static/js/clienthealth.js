/* Client health trend (Chart.js, vendored in static/vendor/chartjs): the daily score from
   the JSON next to each canvas; 0-100 with the "at risk" and "healthy" lines. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  document.querySelectorAll("canvas.health-chart").forEach(function (canvas) {
    var node = document.getElementById(canvas.dataset.chartId);
    if (!node) { return; }
    var d = JSON.parse(node.textContent);
    var small = canvas.height < 100;
    new Chart(canvas, {
      type: "line",
      data: { labels: d.labels, datasets: [
        { label: "Health score", data: d.scores, borderColor: "#1f77b4",
          backgroundColor: "#1f77b4", pointRadius: small ? 0 : 2, borderWidth: 2,
          fill: false, tension: 0.2 }
      ] },
      options: { animation: false, responsive: true, maintainAspectRatio: !small,
        plugins: { legend: { display: !small } },
        scales: { x: { display: !small }, y: { display: !small, min: 0, max: 100 } } }
    });
  });
}());
