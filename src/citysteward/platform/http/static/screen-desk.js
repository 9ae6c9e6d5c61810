/* The command-centre screen's second row: the red-light list, streets, today's reports on the grid map,
   the top and the bottom of the ranking. Reads /dashboard/desk.json and refreshes it. */
(function () {
  "use strict";
  const box = document.getElementById("desk-screen");
  if (!box) return;
  const esc = window.CS.esc;
  const mapEl = document.getElementById("today-map");
  const map = window.CS.baseMap(mapEl, { zoomControl: false });
  const dots = L.layerGroup().addTo(map);
  const layers = window.CS.areaLayers(map).then((l) => {
    l.grids.setStyle({ color: "#3d5a80", weight: 0.6, fillOpacity: 0 });
    l.districts.setStyle({ color: "#90e0ef", weight: 1.5, fillOpacity: 0.05 });
    return l;
  });
  const STATE_COLOUR = { closed: "#80ed99", handled: "#4cc9f0", dispatched: "#f9c74f", in_progress: "#f9c74f" };

  function list(id, items, line) {
    document.getElementById(id).innerHTML = items.length ? items.map(line).join("") : '<li class="muted">暂无</li>';
  }

  function draw(d) {
    list("red-list", d.red, (r) => `<li><a href="/console/cases/${esc(r.case_no)}">${esc(r.case_no)}</a> ${esc(r.category)}
      <span class="muted">${esc(r.unit)} · ${esc(r.street)}</span> <span class="hours">超期 ${r.hours} 小时</span></li>`);
    document.querySelector("#street-table tbody").innerHTML = d.streets.map((s) => `<tr><td>${esc(s.name)}</td>
      <td>${s.reported}</td><td>${s.closed}</td><td class="${s.overdue ? "bad" : ""}">${s.overdue}</td>
      <td>${s.rate === null ? "—" : s.rate.toFixed(2) + "%"}</td></tr>`).join("");
    const rank = (r) => `<li>${esc(r.name)} <span class="muted">${r.score} 分</span></li>`;
    list("rank-top", d.top, rank);
    list("rank-bottom", d.bottom, rank);
    layers.then(() => {
      dots.clearLayers();
      for (const p of d.today) {
        L.circleMarker([p.lat, p.lon], { radius: 4, weight: 1, color: STATE_COLOUR[p.state] || "#ff6b6b", fillOpacity: 0.8 })
          .bindTooltip(`${esc(p.case_no)} ${esc(p.category)}`).addTo(dots);
      }
      mapEl.dataset.ready = "1";
    });
    box.dataset.ready = "1";
  }

  function load() { window.CS.getJSON(box.dataset.src).then(draw).catch(() => {}); }
  load();
  setInterval(load, 1000 * Number(box.dataset.refresh || 60));
})();
