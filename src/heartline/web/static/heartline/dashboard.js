// The sales dashboard's charts, drawn with Chart.js from JSON in a data attribute (the CSP
// allows no inline script, not even a JSON one).
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.dataset.chart);
    var money = new Intl.NumberFormat(document.documentElement.lang || "en", {
      style: "currency",
      currency: data.currency,
    });
    var palette = ["#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626", "#0891b2", "#4b5563"];
    var axis = { ticks: { callback: function (v) { return money.format(v); } } };
    var forecast = document.getElementById("forecast-chart");
    if (forecast) {
      forecast.chart = new window.Chart(forecast, {
        type: "bar",
        data: {
          labels: data.months,
          datasets: data.forecast.map(function (series, i) {
            return {
              label: series.label,
              data: series.data.map(Number),
              backgroundColor: palette[i % palette.length],
            };
          }),
        },
        options: {
          animation: false,
          responsive: true,
          scales: { x: { stacked: true }, y: Object.assign({ stacked: true }, axis) },
          plugins: {
            tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + money.format(c.raw); } } },
          },
        },
      });
    }
    var won = document.getElementById("won-chart");
    if (won) {
      won.chart = new window.Chart(won, {
        type: "line",
        data: {
          labels: data.past_months,
          datasets: [{ label: data.labels.won, data: data.won.map(Number), borderColor: palette[1], backgroundColor: palette[1] }],
        },
        options: { animation: false, responsive: true, scales: { y: axis } },
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
