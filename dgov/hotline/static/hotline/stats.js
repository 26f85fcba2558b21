/* Hotline statistics: draws a chart above each table from the page's JSON (json_script
   "hotline-stats-data"), with the vendored ECharts when it is present. The tables hold the same
   figures and stay the accessible source; without ECharts (or JavaScript) the page shows them
   alone. Bars are horizontal so that long names fit on a phone; on a narrow screen a pie names its
   slices in a legend below it instead of labels cut short; elder mode gets larger text. */
(function () {
  "use strict";

  // Below this width a pie's outside labels get cut to "…": the names go into a legend instead.
  var NARROW = 520;

  // narrow: the pie fills a square-ish band of pieHeight px at the top, the legend follows it.
  function pieOption(rows, narrow, fontSize, pieHeight) {
    var total = rows.reduce(function (sum, r) { return sum + r.value; }, 0);
    var byName = {};
    rows.forEach(function (r) { byName[r.name] = r.value; });
    // One decimal, as in the table below the chart.
    var share = function (value) { return total ? (Math.round(value * 1000 / total) / 10) + "%" : ""; };
    return {
      textStyle: { fontSize: fontSize },
      tooltip: { trigger: "item" },
      legend: {
        show: narrow,
        orient: "vertical",
        left: "center",
        top: pieHeight,
        selectedMode: false,
        textStyle: { fontSize: fontSize },
        formatter: function (name) { return name + ": " + byName[name] + " (" + share(byName[name]) + ")"; }
      },
      series: [{
        type: "pie",
        radius: narrow ? [Math.round(pieHeight * 0.2), Math.round(pieHeight * 0.44)] : ["30%", "65%"],
        center: narrow ? ["50%", Math.round(pieHeight / 2)] : ["50%", "50%"],
        percentPrecision: 1,
        label: { show: !narrow, fontSize: fontSize, formatter: "{b}: {c} ({d}%)" },
        labelLine: { show: !narrow },
        data: rows
      }]
    };
  }

  function barOption(rows, elder, fontSize) {
    var ordered = rows.slice().reverse();
    return {
      textStyle: { fontSize: fontSize },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 40, top: 8, bottom: 24, containLabel: true },
      xAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: fontSize } },
      yAxis: {
        type: "category",
        data: ordered.map(function (r) { return r.name; }),
        axisLabel: { fontSize: fontSize, width: elder ? 180 : 140, overflow: "truncate" }
      },
      series: [{
        type: "bar",
        data: ordered.map(function (r) { return r.value; }),
        itemStyle: { color: "#0b5cad" },
        label: { show: true, position: "right", fontSize: fontSize }
      }]
    };
  }

  function start() {
    var source = document.getElementById("hotline-stats-data");
    if (!source || typeof window.echarts === "undefined") {
      return;
    }
    var series = JSON.parse(source.textContent || "{}");
    var elder = document.body.classList.contains("elder");
    var fontSize = elder ? 18 : 13;
    var lineHeight = elder ? 40 : 28;
    var drawn = [];

    // Sets the box's height and the chart's option for the box's present width.
    function layout(item) {
      var box = item.box, rows = item.rows;
      var narrow = box.clientWidth < NARROW;
      var height;
      var pieHeight = elder ? 300 : 240;
      if (item.kind === "pie") {
        height = narrow ? pieHeight + rows.length * (fontSize + 12) + 16 : (elder ? 420 : 320);
      } else {
        height = Math.max(200, rows.length * lineHeight + 60);
      }
      box.style.height = height + "px";
      if (item.chart && item.narrow === narrow) {
        item.chart.resize();
        return;
      }
      item.narrow = narrow;
      if (!item.chart) {
        item.chart = window.echarts.init(box, null, { renderer: "svg" });
      } else {
        item.chart.resize();
      }
      var option = item.kind === "pie" ? pieOption(rows, narrow, fontSize, pieHeight) : barOption(rows, elder, fontSize);
      item.chart.setOption(option, true);
    }

    document.querySelectorAll("[data-chart][data-series]").forEach(function (box) {
      var rows = series[box.getAttribute("data-series")] || [];
      if (!rows.length) {
        return;
      }
      box.style.width = "100%";
      box.hidden = false;
      var item = { box: box, rows: rows, kind: box.getAttribute("data-chart"), chart: null, narrow: null };
      layout(item);
      drawn.push(item);
    });

    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        drawn.forEach(layout);
      }, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
