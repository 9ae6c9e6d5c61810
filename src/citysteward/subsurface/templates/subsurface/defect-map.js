/* The defect map (塌陷隐患分布): the city's own layers from app.js, defects as circles coloured by the
   severity of their grade under the configured scale. Served by subsurface/web.py (CSP: same origin). */
(function () {
  "use strict";
  function start(el) {
    const map = CS.baseMap(el);
    CS.areaLayers(map).catch(() => null).then(() => CS.getJSON("/api/v1/subsurface/map" + window.location.search))
      .then((fc) => {
        const layer = L.geoJSON(fc, {
          pointToLayer: (f, latlng) => L.circleMarker(latlng, {
            radius: 7, color: "#222", weight: 1, fillColor: f.properties.grade_colour, fillOpacity: 0.9,
          }),
          onEachFeature: (f, l) => {
            const p = f.properties;
            l.bindPopup(`<a href="/console/subsurface/defects/${encodeURIComponent(p.code)}">${CS.esc(p.code)}</a><br>` +
              `${CS.esc(p.road)} ${CS.esc(p.chainage)}<br>${CS.esc(p.type_label)} · ${CS.esc(p.grade)}级 · ${CS.esc(p.state_label)}`);
          },
        }).addTo(map);
        if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 16, animate: false });
        el.dataset.count = String(fc.features.length);
        el.dataset.ready = "1";
      })
      .catch(() => { el.dataset.ready = "error"; });
  }
  function boot() { document.querySelectorAll("[data-cs-map=subsurface]").forEach(start); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot); else boot();
})();
