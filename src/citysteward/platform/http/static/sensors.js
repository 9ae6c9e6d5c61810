/* Sensors (物联感知) maps: devices coloured by state over the city's own layers (no tiles needed).
   Started from markup (data-cs-map="sensors" | "sensor"): the CSP allows scripts from /static only. */
(function () {
  "use strict";
  const CS = window.CS;

  function deviceMap(el) {
    const map = CS.baseMap(el);
    CS.areaLayers(map).then(() => CS.getJSON(el.dataset.src)).then((data) => {
      const points = [];
      for (const d of data.devices) {
        const m = L.marker([d.lat, d.lon], { icon: CS.pin(d.colour, 14), title: d.code });
        m.bindTooltip(`${CS.esc(d.name)}（${CS.esc(d.code)}）${CS.esc(d.kind)} · ${CS.esc(d.state_label)}`);
        m.on("click", () => { window.location.href = `/console/sensors/devices/${encodeURIComponent(d.code)}`; });
        m.addTo(map);
        points.push([d.lat, d.lon]);
      }
      if (points.length) map.fitBounds(points, { padding: [24, 24], maxZoom: 16, animate: false });
      el.dataset.count = String(points.length);
      el.dataset.ready = "1";
    }).catch(() => { el.dataset.ready = "error"; });
  }

  function oneDevice(el) {
    const cfg = JSON.parse(el.dataset.config);
    const map = CS.baseMap(el, { zoomControl: false });
    CS.areaLayers(map).finally(() => {
      map.setView([cfg.lat, cfg.lon], 16);
      L.marker([cfg.lat, cfg.lon], { icon: CS.pin(cfg.colour, 20) }).addTo(map);
      el.dataset.ready = "1";
    });
  }

  const STARTERS = { sensors: deviceMap, sensor: oneDevice };
  function start() {
    document.querySelectorAll("[data-cs-map]").forEach((el) => {
      if (STARTERS[el.dataset.csMap]) STARTERS[el.dataset.csMap](el);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
