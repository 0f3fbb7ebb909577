/* Firm BI charts (Chart.js, vendored in static/vendor/chartjs): one chart per section
   from the JSON it embeds ({type, labels, series, stacked, percent}); money is formatted
   with the browser's locale, the table under each chart has the exact figures. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                 "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
  var number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
  document.querySelectorAll("canvas.bi-chart-canvas").forEach(function (canvas) {
    var node = document.getElementById(canvas.dataset.chartId);
    if (!node) { return; }
    var d = JSON.parse(node.textContent);
    var round = d.type === "doughnut";
    var datasets = d.series.map(function (s, i) {
      var color = round ? d.labels.map(function (_, j) { return palette[j % palette.length]; })
                        : palette[i % palette.length];
      return { label: s.label, data: s.data, backgroundColor: color, borderColor: color,
               borderWidth: d.type === "line" ? 2 : 1, fill: false, spanGaps: true };
    });
    function format(v) { return number.format(v) + (d.percent ? " %" : ""); }
    var options = { animation: false, responsive: true,
      aspectRatio: window.innerWidth < 600 ? 1.3 : (round ? 2.5 : 3.2),
      plugins: { tooltip: { callbacks: { label: function (c) {
        var v = round ? c.parsed : c.parsed.y;
        return (round ? c.label : c.dataset.label) + ": " + format(v);
      } } } } };
    if (!round) {
      options.scales = { x: { stacked: !!d.stacked },
        y: { stacked: !!d.stacked, beginAtZero: true, ticks: { callback: format } } };
    }
    new Chart(canvas, { type: d.type, data: { labels: d.labels, datasets: datasets },
                        options: options });
  });
}());
