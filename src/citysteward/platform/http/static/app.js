/* CitySteward console: maps drawn from the city's own layers (districts and grids GeoJSON), with
   an optional tile layer when one is configured. No external requests. */
window.CS = (function () {
  "use strict";

  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (ch) => (
    { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[ch]));

  async function getJSON(url) {
    const r = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!r.ok) throw new Error(`${url}: ${r.status}`);
    return r.json();
  }

  function baseMap(el, options) {
    const map = L.map(el, Object.assign({ attributionControl: false, zoomSnap: 0.25, maxZoom: 19 }, options || {}));
    if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
    map.setView([35.2, 113.2], 12);
    roadLayer(map);
    return map;
  }

  // The city's own road layer (assets: centre lines by class, named), drawn on every map.
  const ROAD_STYLE = { arterial: ["#8a5a00", 4], secondary: ["#b07d1a", 3], branch: ["#c9a25a", 2], alley: ["#d8c08c", 1.5] };
  function roadLayer(map) {
    return getJSON("/api/v1/roads").then((fc) => {
      const layer = L.geoJSON(fc, {
        interactive: false,
        style: (f) => {
          const [color, weight] = ROAD_STYLE[f.properties.road_class] || ["#b07d1a", 2];
          return { color, weight, opacity: 0.85, dashArray: f.properties.handed_over ? null : "6 4" };
        },
        onEachFeature: (f, l) => l.bindTooltip(esc(f.properties.name),
          { permanent: true, direction: "center", className: "road-label" }),
      }).addTo(map);
      layer.bringToBack();
      return layer;
    }).catch(() => null);
  }

  const districtStyle = { color: "#1f3a5f", weight: 2.5, fillColor: "#dfe8f3", fillOpacity: 0.35 };
  const gridStyle = { color: "#5b7fa8", weight: 1, dashArray: "3 3", fillColor: "#ffffff", fillOpacity: 0.05 };

  function areaLayers(map, gridClick) {
    return Promise.all([getJSON("/api/v1/areas?level=district&zoom=12"), getJSON("/api/v1/grids?zoom=15")]).then(([d, g]) => {
      const districts = L.geoJSON(d, { style: districtStyle, interactive: false }).addTo(map);
      const grids = L.geoJSON(g, {
        style: gridStyle,
        onEachFeature: (f, layer) => {
          layer.bindTooltip(esc(f.properties.name), { sticky: true, className: "grid-tip" });
          if (gridClick) layer.on("click", () => gridClick(f, layer, grids));
        },
      }).addTo(map);
      const bounds = districts.getBounds().isValid() ? districts.getBounds() : grids.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], animate: false });
      return { districts, grids };
    });
  }

  function pin(colour, size) {
    const s = size || 16;
    return L.divIcon({ className: "case-pin", html: `<span style="--c:${colour}"></span>`, iconSize: [s, s] });
  }

  const LIGHT_RANK = { red: 3, yellow: 2, green: 1 };
  const LIGHT_COLOUR = { red: "#c62828", yellow: "#f9a825", green: "#2e7d32" };

  function clusterIcon(cluster) {
    // A cluster takes the colour of its worst light, so a red case is never hidden in a green blob.
    let worst = null;
    for (const m of cluster.getAllChildMarkers()) {
      const l = m.options.light;
      if (l && (!worst || LIGHT_RANK[l] > LIGHT_RANK[worst])) worst = l;
    }
    const colour = worst ? LIGHT_COLOUR[worst] : "#6c757d";
    return L.divIcon({ className: "case-cluster", iconSize: [36, 36],
      html: `<span style="--c:${colour}">${cluster.getChildCount()}</span>` });
  }

  const OPEN = ["reported", "pending_verify", "verified", "registered", "dispatched", "in_progress",
    "suspended", "handled", "checked"];

  async function showGrid(info, code) {
    info.innerHTML = '<p class="muted">加载中…</p>';
    const qs = OPEN.map((s) => `state=${s}`).join("&");
    const [grid, cases] = await Promise.all([
      getJSON(`/api/v1/grids/${encodeURIComponent(code)}`),
      getJSON(`/api/v1/cases?grid=${encodeURIComponent(code)}&${qs}&page_size=10&order=oldest`),
    ]);
    const team = grid.team.length
      ? grid.team.map((m) => `<li>${esc(m.team_role_label)}：${esc(m.name)} ${esc(m.phone || "")}</li>`).join("")
      : '<li class="muted">尚未设置网格团队</li>';
    const list = cases.items.length
      ? cases.items.map((c) => `<li><a href="/console/cases/${esc(c.case_no)}">${esc(c.case_no)}</a>
          ${esc(c.category_name)} <span class="muted">${esc(c.state_label)}</span></li>`).join("")
      : '<li class="muted">没有在办案件</li>';
    info.innerHTML = `<h3>${esc(grid.name)}</h3>
      <p class="muted small">${esc(grid.code)} · ${esc(grid.district_name || "")} ${esc(grid.street_name || "")} ${esc(grid.community_name || "")}</p>
      <h4>网格团队</h4><ul class="plain">${team}</ul>
      <h4>在办案件 ${grid.open_cases} 件</h4><ul class="plain">${list}</ul>
      <a class="more" href="/console/cases?grid=${encodeURIComponent(grid.code)}&${qs}">在台账中查看 →</a>`;
  }

  function gridMap(el, info) {
    // Districts and grids; a click on a grid highlights it and shows its team and open cases.
    const map = baseMap(el);
    let selected = null;
    const ready = areaLayers(map, (f, layer, grids) => {
      if (selected) grids.resetStyle(selected);
      selected = layer;
      layer.setStyle({ color: "#d63384", weight: 3, dashArray: null, fillOpacity: 0.15 });
      showGrid(info, f.properties.code).catch(() => { info.innerHTML = '<p class="error">网格信息加载失败</p>'; });
    });
    return { map, ready };
  }

  function gridAdminMap(el, info) {
    const { map, ready } = gridMap(el, info);
    ready.then(() => { el.dataset.ready = "1"; });
    return map;
  }

  function cityMap(el, info) {
    const { map } = gridMap(el, info);
    const cluster = L.markerClusterGroup({ iconCreateFunction: clusterIcon, maxClusterRadius: 45 });
    getJSON("/console/map/cases.json").then((data) => {
      for (const c of data.cases) {
        const m = L.marker([c.lat, c.lon], { icon: pin(c.colour), light: c.light, title: c.case_no });
        m.bindTooltip(esc(c.label));
        m.on("click", () => { window.location.href = `/console/cases/${encodeURIComponent(c.case_no)}`; });
        cluster.addLayer(m);
      }
      map.addLayer(cluster);
      document.getElementById("map-count").textContent =
        data.total > data.cases.length ? `${data.cases.length} / ${data.total}` : String(data.cases.length);
      el.dataset.ready = "1";
    });
    return map;
  }

  function caseMap(el) {
    const cfg = JSON.parse(el.dataset.config);
    const map = baseMap(el, { zoomControl: false });
    getJSON(`/api/v1/grids?parent=${encodeURIComponent(cfg.community)}`).then((fc) => {
      const layer = L.geoJSON(fc, {
        style: (f) => (f.properties.code === cfg.grid
          ? { color: "#d63384", weight: 2.5, fillOpacity: 0.12 } : gridStyle),
        onEachFeature: (f, l) => l.bindTooltip(esc(f.properties.name)),
      }).addTo(map);
      const own = layer.getLayers().find((l) => l.feature.properties.code === cfg.grid);
      map.fitBounds((own || layer).getBounds().pad(0.6), { maxZoom: 17, animate: false });
    }).catch(() => map.setView([cfg.lat, cfg.lon], 16));
    L.marker([cfg.lat, cfg.lon], { icon: pin("#d63384", 20) }).addTo(map);
    el.dataset.ready = "1";
    return map;
  }

  // File pickers say what was chosen (the native text would be in the browser's language).
  document.addEventListener("change", (e) => {
    const input = e.target;
    if (!input.matches || !input.matches(".file-pick input[type=file]")) return;
    const note = input.parentElement.querySelector("em");
    if (!note) return;
    if (note.dataset.empty === undefined) note.dataset.empty = note.textContent;
    const n = input.files.length;
    note.textContent = n === 0 ? note.dataset.empty : n === 1 ? input.files[0].name : `已选择 ${n} 个文件`;
  });

  // "Back" links (error pages): history.back() from a listener, not a javascript: URL the CSP forbids.
  document.addEventListener("click", (e) => {
    const link = e.target.closest && e.target.closest("[data-back]");
    if (link && window.history.length > 1) { e.preventDefault(); window.history.back(); }
  });

  // Pages name their map in markup (data-cs-map, data-info) instead of starting it from an inline
  // script: the Content-Security-Policy allows scripts from /static only.
  const STARTERS = {
    case: (el) => caseMap(el),
    city: (el) => cityMap(el, document.getElementById(el.dataset.info)),
    "grid-admin": (el) => gridAdminMap(el, document.getElementById(el.dataset.info)),
  };
  function startMaps() {
    document.querySelectorAll("[data-cs-map]").forEach((el) => { if (STARTERS[el.dataset.csMap]) STARTERS[el.dataset.csMap](el); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startMaps);
  else startMaps();

  return { esc, getJSON, baseMap, roadLayer, areaLayers, pin, cityMap, caseMap, gridAdminMap, districtStyle, gridStyle };
})();
