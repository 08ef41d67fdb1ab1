/* The daily bulletin's chart (postloan/bulletin.html): overdue rate and balance over the last 90 days, from the
 * JSON the view renders with json_script; the labels come from the canvas's data-* attributes (translated). */
(function () {
  var data = JSON.parse(document.getElementById("bulletin-chart").textContent);
  var canvas = document.getElementById("bulletin-chart-canvas");
  if (!window.Chart || !canvas) return;
  var datasets = [
    { label: canvas.dataset.rateLabel, data: data.rate, yAxisID: "rate", borderColor: "#dc3545", backgroundColor: "#dc3545", tension: 0.2, pointRadius: 2 },
    { label: canvas.dataset.balanceLabel, data: data.balance_wan, yAxisID: "balance", borderColor: "#0d6efd", backgroundColor: "#0d6efd", tension: 0.2, pointRadius: 2 }
  ];
  if (data.red_line !== null) {
    datasets.push({ label: canvas.dataset.redLineLabel, data: data.labels.map(function () { return data.red_line; }), yAxisID: "rate",
                    borderColor: "#dc3545", borderDash: [6, 4], borderWidth: 1, pointRadius: 0 });
  }
  new Chart(canvas, {
    type: "line",
    data: { labels: data.labels, datasets: datasets },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        rate: { type: "linear", position: "left", beginAtZero: true, title: { display: true, text: "%" } },
        balance: { type: "linear", position: "right", beginAtZero: false, grid: { drawOnChartArea: false }, title: { display: true, text: canvas.dataset.balanceLabel } }
      }
    }
  });
})();
