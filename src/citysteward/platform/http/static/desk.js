/* The desk's pages (supervision, evaluation): the place picker and the hot-spot map, sortable tables,
   the indicator chart. Configured by data-* attributes; no inline script (CSP). */
(function () {
  "use strict";
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (ch) => (
    { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[ch]));
  const SPOT_COLOUR = { found: "#fd7e14", listed: "#6f42c1", fixed: "#198754" };

  function fit(map, points) {
    if (!points.length) return;
    const b = L.latLngBounds(points.map((p) => [p.lat, p.lon]));
    map.fitBounds(b.pad(0.3), { maxZoom: 16, animate: false });
  }

  function pickMap(el) {
    const cfg = JSON.parse(el.dataset.config || "{}");
    const map = window.CS.baseMap(el);
    const lon = document.getElementById("pick-lon");
    const lat = document.getElementById("pick-lat");
    let marker = null;
    const place = (ll) => {
      if (marker) marker.setLatLng(ll); else marker = L.marker(ll, { icon: window.CS.pin("#d63384", 20) }).addTo(map);
    };
    window.CS.areaLayers(map).then(() => {
      for (const p of cfg.pins || []) L.marker([p.lat, p.lon], { icon: window.CS.pin("#0d6efd") }).bindTooltip(esc(p.label)).addTo(map);
      if (cfg.lon && cfg.lat) place([Number(cfg.lat), Number(cfg.lon)]);
      fit(map, cfg.pins || []);
      el.dataset.ready = "1";
    }).catch(() => { el.dataset.ready = "1"; });
    map.on("click", (e) => {
      place(e.latlng);
      lon.value = e.latlng.lng.toFixed(6);
      lat.value = e.latlng.lat.toFixed(6);
    });
  }

  function spotsMap(el) {
    const cfg = JSON.parse(el.dataset.config || "{}");
    const map = window.CS.baseMap(el);
    window.CS.areaLayers(map).then(() => {
      for (const s of cfg.spots || []) {
        const m = L.circleMarker([s.lat, s.lon], { radius: 9, color: SPOT_COLOUR[s.kind], fillOpacity: 0.6 });
        m.bindTooltip(esc(s.label));
        m.on("click", () => { const row = document.getElementById(s.anchor); if (row) row.scrollIntoView({ block: "center" }); });
        m.addTo(map);
      }
      fit(map, cfg.spots || []);
      el.dataset.ready = "1";
    }).catch(() => { el.dataset.ready = "1"; });
  }

  function chart(el) {
    if (!window.echarts) return;
    const cfg = JSON.parse(el.dataset.config || "{}");
    const c = window.echarts.init(el);
    c.setOption({
      tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 60, right: 30, top: 40, bottom: 90 },
      xAxis: { type: "category", data: cfg.categories, axisLabel: { rotate: cfg.categories.length > 6 ? 35 : 0, interval: 0 } },
      yAxis: { type: "value", name: cfg.unit || "" },
      series: cfg.series.map((s) => ({ name: s.name, type: "bar", data: s.data })),
    });
    window.addEventListener("resize", () => c.resize());
    el.dataset.ready = "1";
  }

  // Sortable tables: a click on a header sorts by its column's data-v (numbers) or text; empty last.
  function sortable(table) {
    table.querySelectorAll("th[data-sort]").forEach((th) => {
      th.addEventListener("click", () => {
        const idx = Array.from(th.parentElement.children).indexOf(th);
        const asc = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("th[aria-sort]").forEach((h) => h.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        const body = table.tBodies[0];
        const rows = Array.from(body.rows);
        const key = (r) => {
          const cell = r.cells[idx];
          const v = cell ? cell.dataset.v : undefined;
          if (v === undefined || v === "") return null;
          const n = Number(v);
          return Number.isNaN(n) ? v : n;
        };
        rows.sort((a, b) => {
          const x = key(a), y = key(b);
          if (x === null && y === null) return 0;
          if (x === null) return 1;
          if (y === null) return -1;
          const cmp = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), "zh");
          return asc ? cmp : -cmp;
        });
        rows.forEach((r) => body.appendChild(r));
      });
    });
  }

  const STARTERS = { pick: pickMap, spots: spotsMap, chart };
  function start() {
    document.querySelectorAll("[data-cs-desk]").forEach((el) => { if (STARTERS[el.dataset.csDesk]) STARTERS[el.dataset.csDesk](el); });
    document.querySelectorAll("table.sortable").forEach(sortable);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
