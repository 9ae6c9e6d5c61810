/* The intake desk (热线受理台): caller history by phone, address search and a map pin, the category
   suggestion as the operator types (top 3, one click to take one, the urgent-hazard flag), then the
   report goes to /api/v1/reports as the signed-in hotline operator (source: 12345 热线). */
(function () {
  "use strict";
  const form = document.getElementById("intake-form");
  if (!form) return;
  const $ = (id) => document.getElementById(id);
  const esc = CS.esc;
  const debounce = (fn, ms) => { let t = null; return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); }; };

  // ---------------------------------------------------------------- caller history
  $("caller-phone").addEventListener("input", debounce(async () => {
    const phone = $("caller-phone").value.trim();
    const box = $("caller-history");
    if (phone.length < 5) { box.hidden = true; return; }
    try {
      const h = await CS.getJSON(`/api/v1/intake/callers?phone=${encodeURIComponent(phone)}`);
      box.innerHTML = h.total
        ? `<strong>该号码以前反映过 ${h.total} 件问题</strong><ul>` + h.items.slice(0, 5).map((c) =>
            `<li><a href="/console/cases/${esc(c.case_no)}">${esc(c.case_no)}</a> ${esc(c.category_name)} · ${esc(c.state_label)}
             <span class="muted">${esc(c.description.slice(0, 40))}</span></li>`).join("") + "</ul>"
        : "该号码没有反映过问题";
      box.hidden = false;
    } catch (e) { box.hidden = true; }
  }, 300));

  // ---------------------------------------------------------------- place
  const mapEl = $("intake-map");
  const map = CS.baseMap(mapEl);
  let marker = null;
  CS.areaLayers(map).then(() => { mapEl.dataset.ready = "1"; });
  async function setPlace(lat, lon, label) {
    form.lon.value = lon.toFixed(6);
    form.lat.value = lat.toFixed(6);
    if (marker) marker.setLatLng([lat, lon]);
    else marker = L.marker([lat, lon], { icon: CS.pin("#d63384", 22) }).addTo(map);
    try {
      const w = await CS.getJSON(`/api/v1/locate?lon=${lon}&lat=${lat}`);
      $("pin-info").textContent = `${label ? label + " · " : ""}${w.street_name || ""} ${w.grid_name || ""}`;
    } catch (e) {
      $("pin-info").textContent = "该位置不在本市网格范围内，请重新选择";
      form.lon.value = form.lat.value = "";
    }
  }
  map.on("click", (e) => setPlace(e.latlng.lat, e.latlng.lng));
  $("place-search").addEventListener("input", debounce(async () => {
    const q = $("place-search").value.trim();
    if (!q) { $("place-results").innerHTML = ""; return; }
    const places = await CS.getJSON(`/api/v1/places/search?q=${encodeURIComponent(q)}`);
    $("place-results").innerHTML = places.filter((p) => p.lon !== null).map((p) =>
      `<li><button type="button" data-lon="${p.lon}" data-lat="${p.lat}" data-name="${esc(p.name)}">${esc(p.name)}<small>${esc(p.kind_label)}</small></button></li>`).join("")
      || '<li class="muted small">没有找到该地址</li>';
  }, 250));
  $("place-results").addEventListener("click", (e) => {
    const b = e.target.closest("button[data-lon]");
    if (!b) return;
    const lat = Number(b.dataset.lat), lon = Number(b.dataset.lon);
    map.setView([lat, lon], 16);
    setPlace(lat, lon, b.dataset.name);
    if (!form.address.value) form.address.value = b.dataset.name;
    $("place-results").innerHTML = "";
  });

  // ---------------------------------------------------------------- category: suggestion and search
  function choose(code, name) {
    form.category_code.value = code;
    $("category-chosen").querySelector("strong").textContent = `${name}（${code}）`;
    $("category-chosen").hidden = false;
    $("category-results").innerHTML = "";
    for (const b of $("suggestions").querySelectorAll("button[data-code]")) b.classList.toggle("picked", b.dataset.code === code);
  }
  let chosenByHand = false;
  $("intake-description").addEventListener("input", debounce(async () => {
    const text = $("intake-description").value.trim();
    if (!text) return;
    const s = await CS.getJSON(`/api/v1/suggest?text=${encodeURIComponent(text)}`);
    $("suggestions").innerHTML = '<p class="small muted">建议类别（点选即可）：</p>' + s.items.map((c, i) =>
      `<button type="button" class="btn ghost small suggestion" data-code="${esc(c.code)}" data-name="${esc(c.name)}">
         ${i + 1}. ${esc(c.name)} <small>${esc(c.class_name)} · ${Math.round(c.score * 100)}%</small></button>`).join(" ");
    const flag = $("urgent-flag");
    flag.hidden = !s.urgent;
    flag.textContent = s.urgent ? `疑似紧急安全隐患${s.hazard_words.length ? "（" + s.hazard_words.join("、") + "）" : ""}：已建议紧急程度为「紧急」，请尽快受理` : "";
    if (s.urgent && form.urgency.value === "normal") form.urgency.value = "urgent";
    if (!chosenByHand && s.items.length) choose(s.items[0].code, s.items[0].name);
  }, 250));
  $("suggestions").addEventListener("click", (e) => {
    const b = e.target.closest("button[data-code]");
    if (!b) return;
    chosenByHand = true;
    choose(b.dataset.code, b.dataset.name);
  });
  $("category-search").addEventListener("input", debounce(async () => {
    const q = $("category-search").value.trim();
    if (!q) { $("category-results").innerHTML = ""; return; }
    const cats = await CS.getJSON(`/api/v1/categories?q=${encodeURIComponent(q)}`);
    $("category-results").innerHTML = cats.slice(0, 8).map((c) =>
      `<li><button type="button" data-code="${esc(c.code)}" data-name="${esc(c.name)}">${esc(c.name)}<small>${esc(c.class_name)}</small></button></li>`).join("")
      || '<li class="muted small">没有找到，请换个词试试</li>';
  }, 200));
  $("category-results").addEventListener("click", (e) => {
    const b = e.target.closest("button[data-code]");
    if (!b) return;
    chosenByHand = true;
    choose(b.dataset.code, b.dataset.name);
  });

  // ---------------------------------------------------------------- send
  function showError(message) { $("intake-error").textContent = message; $("intake-error").hidden = !message; }
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!$("intake-submit")) return;
    if (!form.lon.value) return showError("请在地图上点选问题位置，或搜索地址");
    if (!form.description.value.trim()) return showError("请填写问题描述");
    if (!form.category_code.value) return showError("请选择问题类别");
    showError("");
    const data = new FormData(form);
    for (const [k, v] of Array.from(data.entries())) if (v === "") data.delete(k);
    $("intake-submit").disabled = true;
    try {
      const r = await fetch("/api/v1/reports", { method: "POST", body: data, credentials: "same-origin" });
      const body = await r.json();
      if (!r.ok) return showError(body.message || "登记失败，请稍后重试");
      const done = $("intake-done");
      done.innerHTML = `已登记，案件编号 <a id="intake-case-no" href="/console/cases/${esc(body.case_no)}">${esc(body.case_no)}</a>。
        请告知来电人案件编号；查询链接：<code>${esc(body.track_url)}</code>`;
      done.hidden = false;
      form.description.value = "";
      form.category_code.value = "";
      chosenByHand = false;
    } catch (err) {
      showError("网络异常，请稍后重试");
    } finally {
      $("intake-submit").disabled = false;
    }
  });
})();
