/* Assets pages (道路部件): the road and component map, the road editor, the component map, and the bulk
   import that parses a file in the browser and sends it in chunks with a progress bar. */
(function () {
  "use strict";
  const esc = CS.esc;
  const STATE_COLOUR = { intact: "#2e7d32", damaged: "#c62828", lost: "#6a1b9a", scrapped: "#6c757d", removed: "#495057" };

  function componentLayer(map, select, status) {
    // Few components: points, clustered in the browser; many: squares summed on the server.
    let layer = null;
    let seq = 0;
    async function refresh() {
      const code = select.value;
      if (layer) { map.removeLayer(layer); layer = null; }
      if (!code) { status.textContent = ""; return; }
      const b = map.getBounds();
      const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5)).join(",");
      const mine = ++seq;
      const data = await CS.getJSON(`/api/v1/components/map?class_code=${encodeURIComponent(code)}&bbox=${bbox}&zoom=${map.getZoom()}`);
      if (mine !== seq) return;
      if (data.mode === "points") {
        layer = L.markerClusterGroup({ maxClusterRadius: 40 });
        for (const p of data.points) {
          const m = L.circleMarker([p.lat, p.lon], { radius: 5, color: "#fff", weight: 1, fillColor: STATE_COLOUR[p.state] || "#555", fillOpacity: 0.9 });
          m.on("click", () => { window.location.href = `/console/assets/components/${p.id}`; });
          layer.addLayer(m);
        }
        status.textContent = `范围内 ${data.total} 个部件`;
      } else {
        layer = L.layerGroup(data.squares.map((s) => L.marker([s.lat, s.lon], {
          icon: L.divIcon({ className: "comp-square", iconSize: [34, 26], html: String(s.count) }) })));
        status.textContent = `范围内 ${data.total} 个部件（服务器按方格汇总，放大查看单个部件）`;
      }
      layer.addTo(map);
      map.getContainer().dataset.components = String(data.total);
    }
    select.addEventListener("change", refresh);
    map.on("moveend", () => { if (select.value) refresh(); });
    return refresh;
  }

  function cityMap(el) {
    const map = CS.baseMap(el);
    CS.areaLayers(map).then(() => { el.dataset.ready = "1"; });
    const select = document.getElementById("component-class");
    if (select) componentLayer(map, select, document.getElementById("layer-status"));
  }

  function roadMap(el) {
    const map = CS.baseMap(el);
    const box = el.dataset.edit ? document.getElementById(el.dataset.edit) : null;
    let coords = [];
    let line = null;
    function draw() {
      if (line) map.removeLayer(line);
      line = coords.length ? L.polyline(coords.map(([x, y]) => [y, x]), { color: "#d63384", weight: 5 }).addTo(map) : null;
      if (box) box.value = coords.length >= 2 ? JSON.stringify({ type: "LineString", coordinates: coords }) : "";
    }
    const given = el.dataset.geometry ? JSON.parse(el.dataset.geometry) : null;
    if (given && given.type === "LineString") coords = given.coordinates.slice();
    else if (given && given.type === "MultiLineString") coords = given.coordinates.flat();
    CS.areaLayers(map).then(() => {
      if (coords.length) map.fitBounds(L.latLngBounds(coords.map(([x, y]) => [y, x])).pad(0.3), { animate: false });
      el.dataset.ready = "1";
    });
    if (given) { line = L.polyline(coords.map(([x, y]) => [y, x]), { color: "#d63384", weight: 5 }).addTo(map); }
    if (!box) return;
    let fresh = true;
    map.on("click", (e) => {
      if (fresh) { coords = []; fresh = false; }
      coords.push([Number(e.latlng.lng.toFixed(6)), Number(e.latlng.lat.toFixed(6))]);
      draw();
    });
    const clear = document.getElementById("road-clear");
    if (clear) clear.addEventListener("click", () => { coords = []; fresh = false; draw(); });
  }

  function pointMap(el) {
    const cfg = JSON.parse(el.dataset.config);
    const map = CS.baseMap(el, { zoomControl: false });
    map.setView([cfg.lat, cfg.lon], 17);
    L.marker([cfg.lat, cfg.lon], { icon: CS.pin("#d63384", 20) }).addTo(map);
    el.dataset.ready = "1";
  }

  // ---------------------------------------------------------------- import in chunks
  function csvRows(text) {
    const lines = text.replace(/^\ufeff/, "").split(/\r?\n/).filter((l) => l.trim());
    const split = (l) => {
      const out = []; let cur = ""; let q = false;
      for (let i = 0; i < l.length; i++) {
        const ch = l[i];
        if (q) { if (ch === '"' && l[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') q = false; else cur += ch; }
        else if (ch === '"') q = true; else if (ch === ",") { out.push(cur); cur = ""; } else cur += ch;
      }
      out.push(cur);
      return out;
    };
    const head = split(lines[0]).map((h) => h.trim());
    return lines.slice(1).map((l) => { const v = split(l); const r = {}; head.forEach((h, i) => { r[h] = v[i]; }); return r; });
  }

  function geojsonRows(fc) {
    if (!fc || fc.type !== "FeatureCollection" || !Array.isArray(fc.features)) throw new Error("需要 GeoJSON FeatureCollection");
    return fc.features.map((f) => {
      const r = Object.assign({}, (f && f.properties) || {});
      const g = f && f.geometry;
      if (g && g.type === "Point" && Array.isArray(g.coordinates)) { r.lon = g.coordinates[0]; r.lat = g.coordinates[1]; }
      else r._geometry_error = "几何图形应为点（Point）";
      return r;
    });
  }

  function importer(box) {
    const chunk = Number(box.dataset.chunk || 5000);
    const file = document.getElementById("import-file");
    const bar = document.getElementById("import-progress");
    const status = document.getElementById("import-status");
    const table = document.getElementById("import-rejected");
    document.getElementById("import-start").addEventListener("click", async (ev) => {
      const button = ev.currentTarget;
      if (!file.files.length) { status.textContent = "请先选择文件"; return; }
      button.disabled = true;
      table.hidden = true;
      table.tBodies[0].innerHTML = "";
      try {
        const text = await file.files[0].text();
        const rows = file.files[0].name.toLowerCase().endsWith(".csv") ? csvRows(text) : geojsonRows(JSON.parse(text));
        bar.hidden = false; bar.max = rows.length; bar.value = 0;
        let accepted = 0; let rejected = 0; const shown = [];
        const started = performance.now();
        for (let i = 0; i < rows.length; i += chunk) {
          const r = await fetch("/api/v1/components/import/rows", { method: "POST", credentials: "same-origin",
            headers: { "Content-Type": "application/json", Accept: "application/json" },
            body: JSON.stringify({ rows: rows.slice(i, i + chunk), first_row: i + 1, crs: document.getElementById("import-crs").value }) });
          const body = await r.json();
          if (!r.ok) throw new Error(body.message || `导入失败（${r.status}）`);
          accepted += body.accepted; rejected += body.rejected_count;
          if (shown.length < 500) shown.push(...body.rejected.slice(0, 500 - shown.length));
          bar.value = Math.min(rows.length, i + chunk);
          status.textContent = `已处理 ${bar.value} / ${rows.length} 行：导入 ${accepted}，拒绝 ${rejected}`;
        }
        const secs = ((performance.now() - started) / 1000).toFixed(1);
        status.textContent = `完成：共 ${rows.length} 行，导入 ${accepted}，拒绝 ${rejected}，用时 ${secs} 秒`;
        status.dataset.done = "1";
        if (shown.length) {
          table.tBodies[0].innerHTML = shown.map((x) => `<tr><td>${x.row}</td><td>${esc(x.code)}</td><td>${esc(x.reason)}</td></tr>`).join("");
          table.hidden = false;
        }
      } catch (e) {
        status.textContent = `导入中止：${e.message}`;
      } finally {
        button.disabled = false;
      }
    });
  }

  const STARTERS = { city: cityMap, road: roadMap, point: pointMap };
  document.querySelectorAll("[data-assets-map]").forEach((el) => { (STARTERS[el.dataset.assetsMap] || (() => {}))(el); });
  const box = document.getElementById("import-form");
  if (box) importer(box);
})();
