/* Indicator charts drawn with the vendored ECharts from the page's JSON (json_script
   "indicators-data"): a gauge and a trend line per dashboard card, a larger trend on an
   indicator's page. Every figure is also written in the page as text, so without ECharts (or
   JavaScript) nothing is lost; the charts stay hidden. */
(function () {
  "use strict";

  var COLORS = { met: "#15803d", on_track: "#d97706", at_risk: "#b91c1c" };

  // The gauge's full scale: 100 for a share, 10 for the rating score, else a little above the
  // larger of the value and the target.
  function scaleMax(item) {
    if (item.percent) { return 100; }
    if (item.unit === "分" || item.unit === "points") { return 10; }
    var top = Math.max(item.value || 0, item.target || 0, item.midterm || 0);
    return top > 0 ? Math.ceil(top * 1.25 * 100) / 100 : 1;
  }

  function gaugeOption(item, fontSize) {
    var max = scaleMax(item);
    var color = COLORS[item.status] || "#8c8c8c";
    var target = item.target === null ? null : Math.min(item.target / max, 1);
    var line = [[1, "#e5e7eb"]];
    if (target !== null && target > 0 && target < 1) {
      line = [[target, "#e5e7eb"], [Math.min(target + 0.01, 1), "#374151"], [1, "#e5e7eb"]];
    }
    return {
      series: [{
        type: "gauge",
        min: 0,
        max: max,
        radius: "95%",
        center: ["50%", "62%"],
        startAngle: 200,
        endAngle: -20,
        progress: { show: true, width: 12, itemStyle: { color: color } },
        axisLine: { lineStyle: { width: 12, color: line } },
        pointer: { show: false },
        axisTick: { show: false },
        splitLine: { show: false },
        axisLabel: { show: false },
        anchor: { show: false },
        title: { show: false },
        detail: { show: false },
        data: [{ value: item.value === null ? 0 : item.value }]
      }]
    };
  }

  function trendOption(item, fontSize, full) {
    var marks = [];
    if (full && item.midterm !== null) { marks.push({ yAxis: item.midterm, name: "2023" }); }
    if (full && item.target !== null) { marks.push({ yAxis: item.target, name: "2025" }); }
    return {
      textStyle: { fontSize: fontSize },
      grid: full ? { left: 8, right: 56, top: 24, bottom: 24, containLabel: true } : { left: 2, right: 2, top: 4, bottom: 4 },
      tooltip: full ? { trigger: "axis" } : undefined,
      xAxis: { type: "time", show: full, axisLabel: { fontSize: fontSize } },
      yAxis: { type: "value", show: full, scale: true, axisLabel: { fontSize: fontSize } },
      series: [{
        type: "line",
        data: item.trend,
        showSymbol: full && item.trend.length < 40,
        connectNulls: false,
        lineStyle: { color: "#0b5cad", width: full ? 2 : 1.5 },
        itemStyle: { color: "#0b5cad" },
        areaStyle: full ? undefined : { color: "rgba(11,92,173,0.08)" },
        markLine: marks.length ? {
          symbol: "none",
          lineStyle: { type: "dashed", color: "#374151" },
          label: { formatter: "{b}: {c}", fontSize: fontSize },
          data: marks
        } : undefined
      }]
    };
  }

  function start() {
    var source = document.getElementById("indicators-data");
    if (!source || typeof window.echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent || "{}");
    var elder = document.body.classList.contains("elder");
    var fontSize = elder ? 18 : 13;
    var charts = [];

    function draw(box, option) {
      box.hidden = false;
      var chart = window.echarts.init(box, null, { renderer: "svg" });
      chart.setOption(option);
      charts.push(chart);
    }

    document.querySelectorAll("[data-gauge]").forEach(function (box) {
      var item = data[box.getAttribute("data-gauge")];
      if (item && item.value !== null) { draw(box, gaugeOption(item, fontSize)); }
    });
    document.querySelectorAll("[data-trend]").forEach(function (box) {
      var item = data[box.getAttribute("data-trend")];
      if (item && item.trend.length > 1) { draw(box, trendOption(item, fontSize, false)); }
    });
    document.querySelectorAll("[data-trend-detail]").forEach(function (box) {
      var item = data[box.getAttribute("data-trend-detail")];
      if (item && item.trend.length > 0) { draw(box, trendOption(item, fontSize, true)); }
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
