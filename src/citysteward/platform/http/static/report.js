/* Citizen report page (市民随手拍): a pin on the city's map or the phone's position, a searchable
   category, text and photos; before sending, open reports of the same kind nearby are offered for
   "我也遇到" instead of a duplicate. */
(function () {
  "use strict";
  const form = document.getElementById("report-form");
  const $ = (id) => document.getElementById(id);
  const esc = CS.esc;
  const maxPhotos = Number(form.dataset.maxPhotos || 6);
  let confirmedNew = false;

  // ---------------------------------------------------------------- place
  const mapEl = $("report-map");
  const map = CS.baseMap(mapEl);
  let marker = null;
  CS.areaLayers(map).then(() => { mapEl.dataset.ready = "1"; });

  async function setPlace(lat, lon) {
    form.lon.value = lon.toFixed(6);
    form.lat.value = lat.toFixed(6);
    if (marker) marker.setLatLng([lat, lon]);
    else marker = L.marker([lat, lon], { icon: CS.pin("#d63384", 22) }).addTo(map);
    $("place").textContent = "正在定位网格…";
    try {
      const where = await CS.getJSON(`/api/v1/locate?lon=${lon}&lat=${lat}`);
      $("place").textContent = `${where.district_name || ""} ${where.street_name || ""} ${where.grid_name || ""}`;
      const road = await CS.getJSON(`/api/v1/roads/at?lon=${lon}&lat=${lat}`).catch(() => null);
      if (road && road.road) $("place").textContent += ` · ${road.road.name}`;
      offerComponents();
    } catch (e) {
      $("place").textContent = "该位置不在本市网格范围内，请重新选择";
      form.lon.value = form.lat.value = "";
    }
  }
  map.on("click", (e) => setPlace(e.latlng.lat, e.latlng.lng));
  $("use-location").addEventListener("click", () => {
    if (!navigator.geolocation) { $("place").textContent = "此设备不支持定位，请在地图上点选"; return; }
    $("place").textContent = "正在获取您的位置…";
    navigator.geolocation.getCurrentPosition(
      (pos) => { map.setView([pos.coords.latitude, pos.coords.longitude], 15); setPlace(pos.coords.latitude, pos.coords.longitude); },
      () => { $("place").textContent = "无法获取位置，请在地图上点选"; },
      { enableHighAccuracy: true, timeout: 10000 });
  });

  // ---------------------------------------------------------------- category picker
  const search = $("category-search");
  const results = $("category-results");
  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = search.value.trim();
      if (!q) { results.innerHTML = ""; return; }
      const cats = await CS.getJSON(`/api/v1/categories?q=${encodeURIComponent(q)}`);
      results.innerHTML = cats.slice(0, 8).map((c) =>
        `<li><button type="button" role="option" data-code="${esc(c.code)}" data-name="${esc(c.name)}">
           ${esc(c.name)}<small>${esc(c.class_name)}</small></button></li>`).join("")
        || '<li class="muted small">没有找到，请换个词试试</li>';
    }, 200);
  });
  results.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-code]");
    if (!b) return;
    form.category_code.value = b.dataset.code;
    $("category-chosen").querySelector("span").textContent = b.dataset.name;
    $("category-chosen").hidden = false;
    $("category-picker").hidden = true;
    confirmedNew = false;
    offerComponents();
  });

  // the common-problem grid (picker.js) says it chose a category with a change event on the form
  form.addEventListener("change", (e) => { if (e.target === form) offerComponents(); });

  // A component category (路灯、井盖、雨水箅子 …) offers the registered components of its class nearest the pin.
  async function offerComponents() {
    const box = $("component-offer");
    if (!box) return;
    const code = form.category_code.value;
    box.hidden = true;
    $("component-list").innerHTML = "";
    if (!code || !form.lon.value) return;
    const near = await CS.getJSON(`/api/v1/components/nearest?lon=${form.lon.value}&lat=${form.lat.value}&class_code=${encodeURIComponent(code)}&limit=5`).catch(() => []);
    if (!near.length) return;
    $("component-list").innerHTML = '<li><label><input type="radio" name="component_id" value="" checked> 不确定</label></li>' +
      near.map((c) => `<li><label><input type="radio" name="component_id" value="${c.id}"> ${esc(c.name)}
        <small class="muted">${esc(c.code)} · 约 ${Math.round(c.distance_m)} 米</small></label></li>`).join("");
    box.hidden = false;
  }
  $("category-change").addEventListener("click", () => {
    $("category-chosen").hidden = true;
    $("category-picker").hidden = false;
    search.focus();
  });

  // ---------------------------------------------------------------- photos
  $("photos").addEventListener("change", (e) => {
    const files = Array.from(e.target.files);
    $("photo-preview").innerHTML = files.slice(0, maxPhotos).map((f) =>
      `<img src="${URL.createObjectURL(f)}" alt="${esc(f.name)}">`).join("");
    showError(files.length > maxPhotos ? `最多上传 ${maxPhotos} 张照片` : "");
  });

  // ---------------------------------------------------------------- send
  function showError(message) {
    $("report-error").textContent = message;
    $("report-error").hidden = !message;
  }

  function done(caseNo, title, trackUrl) {
    $("done-title").textContent = title;
    $("case-no").textContent = caseNo;
    // the reporter's own link carries the token that lets them rate or say "not fixed" later
    $("track-link").href = trackUrl || `/track/${encodeURIComponent(caseNo)}`;
    form.hidden = true;
    $("nearby").hidden = true;
    $("report-done").hidden = false;
    window.scrollTo(0, 0);
  }

  async function nearby() {
    const qs = `lon=${form.lon.value}&lat=${form.lat.value}&category=${encodeURIComponent(form.category_code.value)}`;
    const items = await CS.getJSON(`/api/v1/cases/nearby?${qs}`);
    $("nearby-list").innerHTML = items.map((c) => `<li>
        <div><strong>${esc(c.category_name)}</strong> <span class="muted small">${esc(c.state_label)} · ${esc(c.case_no)}</span></div>
        <div class="small">${esc(c.description)}</div>
        <div class="small muted">${esc(c.address || "")}${c.me_too_count ? ` · ${c.me_too_count} 人也遇到` : ""}</div>
        <button type="button" class="btn small me-too" data-no="${esc(c.case_no)}">我也遇到</button></li>`).join("");
    return items.length;
  }

  // One Idempotency-Key per version of the form: sending it again after a network error is the same
  // report, not a second case (docs/security.md "Idempotent intake"); an edit makes a new key.
  let reportKey = null;
  const newKey = () => (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  form.addEventListener("input", () => { reportKey = null; });
  form.addEventListener("change", () => { reportKey = null; });

  async function send() {
    const data = new FormData(form);
    data.delete("photos");
    for (const f of Array.from($("photos").files).slice(0, maxPhotos)) data.append("photos", f, f.name);
    for (const [k, v] of Array.from(data.entries())) if (v === "") data.delete(k);
    $("report-submit").disabled = true;
    try {
      reportKey = reportKey || newKey();
      const post = () => fetch("/api/v1/reports", { method: "POST", body: data, credentials: "omit",
                                                   headers: { "Idempotency-Key": reportKey } });
      let r = await post();
      let body = await r.json();
      if (r.status === 422 && body.error === "idempotency_key_reused") {  // moved on the map since: a new report
        reportKey = newKey();
        r = await post();
        body = await r.json();
      }
      if (!r.ok) { showError(body.message || "提交失败，请稍后重试"); return; }
      reportKey = null;
      done(body.case_no, "提交成功", body.track_url);
    } catch (e) {
      showError("网络异常，请稍后重试");
    } finally {
      $("report-submit").disabled = false;
    }
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!form.lon.value) return showError("请在地图上点选问题位置，或使用我的位置");
    if (!form.category_code.value) return showError("请选择问题类别");
    if (!form.description.value.trim()) return showError("请填写问题描述");
    if ($("photos").files.length > maxPhotos) return showError(`最多上传 ${maxPhotos} 张照片`);
    showError("");
    if (!confirmedNew && await nearby()) {
      $("nearby").hidden = false;
      $("nearby").scrollIntoView({ behavior: "smooth" });
      return;
    }
    send();
  });
  $("submit-anyway").addEventListener("click", () => { confirmedNew = true; $("nearby").hidden = true; send(); });
  $("nearby-list").addEventListener("click", async (e) => {
    const b = e.target.closest("button.me-too");
    if (!b) return;
    const r = await fetch(`/api/v1/public/cases/${encodeURIComponent(b.dataset.no)}/me_too`, { method: "POST" });
    if (r.ok) done(b.dataset.no, "已记录“我也遇到”");
    else showError(((await r.json()).message) || "操作失败，请稍后重试");
  });
})();
