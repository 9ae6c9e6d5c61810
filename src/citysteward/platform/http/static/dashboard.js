/* Command-centre screen: ECharts for the trend, category mix and unit ranking; the districts map
   from the city's own GeoJSON. Figures arrive in #dash-json, refreshed by htmx polling. */
(function () {
  "use strict";
  const FONT = '"WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif';
  const TEXT = "#cfe3ff";
  const AXIS = { axisLine: { lineStyle: { color: "#3d5a80" } }, axisLabel: { color: TEXT }, splitLine: { lineStyle: { color: "#1d3557" } } };
  const charts = {};
  for (const id of ["trend", "categories", "units"]) {
    charts[id] = echarts.init(document.getElementById(`chart-${id}`), null, { renderer: "canvas" });
  }
  const base = { textStyle: { fontFamily: FONT, color: TEXT }, animationDuration: 600 };

  function draw(f) {
    charts.trend.setOption(Object.assign({}, base, {
      tooltip: { trigger: "axis" },
      legend: { data: ["上报", "结案"], textStyle: { color: TEXT, fontFamily: FONT }, top: 0 },
      grid: { left: 40, right: 16, top: 32, bottom: 28 },
      xAxis: Object.assign({ type: "category", data: f.trend_days }, AXIS),
      yAxis: Object.assign({ type: "value", minInterval: 1 }, AXIS),
      series: [
        { name: "上报", type: "line", smooth: 0.25, smoothMonotone: "x", data: f.trend_reported, itemStyle: { color: "#4cc9f0" }, areaStyle: { opacity: 0.15 } },
        { name: "结案", type: "line", smooth: 0.25, smoothMonotone: "x", data: f.trend_closed, itemStyle: { color: "#80ed99" } },
      ],
    }));
    charts.categories.setOption(Object.assign({}, base, {
      tooltip: { trigger: "item", formatter: "{b}：{c} 件（{d}%）" },
      legend: { type: "scroll", orient: "vertical", right: 8, top: "middle", textStyle: { color: TEXT, fontFamily: FONT },
        formatter: (name) => { const c = f.categories.find((x) => x.name === name); return `${name}  ${c ? c.value : 0} 件`; } },
      series: [{ type: "pie", radius: ["36%", "62%"], center: ["38%", "52%"], data: f.categories, percentPrecision: 1,
        label: { color: TEXT, fontFamily: FONT, formatter: "{d}%" } }],
      graphic: f.categories.length ? [] : [{ type: "text", left: "center", top: "middle",
        style: { text: "本月暂无数据", fill: TEXT, font: `16px ${FONT}` } }],
    }));
    const units = f.units.slice(0, 12).reverse();
    charts.units.setOption(Object.assign({}, base, {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" },
        formatter: (p) => { const u = units[p[0].dataIndex]; return `${u.name}<br>按时 ${u.on_time} / 处置 ${u.handled}（${u.rate}%）`; } },
      grid: { left: 150, right: 48, top: 8, bottom: 24 },
      xAxis: Object.assign({ type: "value", max: 100, axisLabel: { color: TEXT, formatter: "{value}%" } }, { axisLine: AXIS.axisLine, splitLine: AXIS.splitLine }),
      yAxis: Object.assign({ type: "category", data: units.map((u) => u.name) }, AXIS),
      series: [{ type: "bar", data: units.map((u) => ({ value: u.rate,
        itemStyle: { color: u.rate >= 90 ? "#2e7d32" : u.rate >= 75 ? "#f9a825" : "#c62828" } })),
        label: { show: true, position: "right", color: TEXT, formatter: "{c}%" }, barMaxWidth: 18 }],
      graphic: units.length ? [] : [{ type: "text", left: "center", top: "middle",
        style: { text: "本月暂无处置记录", fill: TEXT, font: `16px ${FONT}` } }],
    }));
    paintDistricts(f.districts);
  }

  // ---------------------------------------------------------------- districts map
  const mapEl = document.getElementById("screen-map");
  const map = CS.baseMap(mapEl, { zoomControl: false });
  let districtLayer = null;
  let latest = [];
  function colourFor(n, max) {
    const t = max ? n / max : 0;
    return t > 0.66 ? "#e63946" : t > 0.33 ? "#f4a261" : t > 0 ? "#2a9d8f" : "#264653";
  }
  function paintDistricts(rows) {
    latest = rows;
    if (!districtLayer) return;
    const by = Object.fromEntries(rows.map((r) => [r.code, r]));
    const max = Math.max(0, ...rows.map((r) => r.reported));
    districtLayer.eachLayer((l) => {
      const r = by[l.feature.properties.code] || { reported: 0, open: 0 };
      l.setStyle({ color: "#90e0ef", weight: 1.5, fillColor: colourFor(r.reported, max), fillOpacity: 0.7 });
      l.unbindTooltip();
      l.bindTooltip(`<strong>${CS.esc(l.feature.properties.name)}</strong><br>本月上报 ${r.reported} · 在办 ${r.open}`,
        { permanent: true, direction: "center", className: "district-label" });
    });
  }
  CS.getJSON("/api/v1/areas?level=district").then((fc) => {
    districtLayer = L.geoJSON(fc).addTo(map);
    if (districtLayer.getBounds().isValid()) map.fitBounds(districtLayer.getBounds(), { padding: [10, 10], animate: false });
    paintDistricts(latest);
    mapEl.dataset.ready = "1";
  });

  function refresh() {
    const node = document.getElementById("dash-json");
    if (node) draw(JSON.parse(node.textContent));
  }
  document.body.addEventListener("htmx:afterSwap", (e) => { if (e.target.id === "dash-data") refresh(); });
  window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));
  refresh();
  document.body.dataset.chartsReady = "1";

  const clock = document.getElementById("screen-clock");
  const fmt = new Intl.DateTimeFormat("zh-CN", { timeZone: clock.dataset.tz || "Asia/Shanghai", dateStyle: "long", timeStyle: "medium" });
  const tick = () => { clock.textContent = fmt.format(new Date()); };
  tick();
  setInterval(tick, 1000);
})();
