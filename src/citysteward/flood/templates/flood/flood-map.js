/* The command page's map: the city's own layers (app.js) and the 易涝点 with this event's latest water
   depth, coloured against each point's thresholds. Served by flood/web.py (CSP: same origin). */
(function () {
  "use strict";
  const COLOURS = { red: "#c62828", orange: "#ef6c00", normal: "#198754" };
  function start(el) {
    const map = CS.baseMap(el);
    CS.areaLayers(map).catch(() => null).then(() => CS.getJSON(`/api/v1/flood/events/${el.dataset.event}`))
      .then((view) => {
        const markers = view.points.map((p) => L.circleMarker([p.lat, p.lon], {
          radius: 9, color: "#222", weight: 1, fillColor: p.cleared_at ? "#6c757d" : COLOURS[p.state], fillOpacity: 0.9,
        }).bindPopup(`${CS.esc(p.code)} ${CS.esc(p.name)}<br>水深 ${CS.esc(p.depth_cm)} cm · ${CS.esc(p.state_label)}`).addTo(map));
        if (markers.length) map.fitBounds(L.featureGroup(markers).getBounds(), { padding: [40, 40], maxZoom: 15, animate: false });
        el.dataset.count = String(markers.length);
        el.dataset.ready = "1";
      })
      .catch(() => { el.dataset.ready = "error"; });
  }
  function boot() { document.querySelectorAll("[data-cs-map=flood]").forEach(start); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot); else boot();
})();
