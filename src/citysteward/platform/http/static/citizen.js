/* The citizen's pages: verify a phone by a one-time code, subscribe to area alerts (a point on the
   map and a radius), the public map of reports. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  async function post(url, body) {
    const r = await fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body) });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(data.message || "操作失败，请稍后重试");
    return data;
  }
  const show = (id, text) => { const el = $(id); if (!el) return; el.textContent = text || ""; el.hidden = !text; };

  // ---------------------------------------------------------------- verify a phone
  const verify = $("verify-form");
  if (verify) {
    $("send-code").addEventListener("click", async () => {
      show("verify-error", "");
      try {
        const r = await post("/api/v1/citizen/code", { phone: verify.phone.value });
        show("verify-info", `验证码已发送至 ${r.phone}，${Math.round(r.expires_in_s / 60)} 分钟内有效`);
      } catch (e) { show("verify-error", e.message); }
    });
    verify.addEventListener("submit", async (e) => {
      e.preventDefault();
      show("verify-error", "");
      try {
        await post("/api/v1/citizen/verify", { phone: verify.phone.value, code: verify.code.value });
        window.location.reload();
      } catch (err) { show("verify-error", err.message); }
    });
  }

  // ---------------------------------------------------------------- area alerts
  const alertForm = $("alert-form");
  if (alertForm) {
    const mapEl = $("alert-map");
    const map = CS.baseMap(mapEl);
    let circle = null;
    CS.areaLayers(map).then(() => { mapEl.dataset.ready = "1"; });
    const draw = () => {
      if (!alertForm.lat.value) return;
      const at = [Number(alertForm.lat.value), Number(alertForm.lon.value)];
      if (circle) circle.remove();
      circle = L.circle(at, { radius: Number(alertForm.radius_m.value), color: "#d63384" }).addTo(map);
    };
    const centre = (lat, lon) => { alertForm.lat.value = lat.toFixed(6); alertForm.lon.value = lon.toFixed(6); draw(); };
    map.on("click", (e) => centre(e.latlng.lat, e.latlng.lng));
    $("alert-use-location").addEventListener("click", () => {
      if (!navigator.geolocation) return show("alert-error", "此设备不支持定位，请在地图上点选");
      navigator.geolocation.getCurrentPosition((pos) => {
        map.setView([pos.coords.latitude, pos.coords.longitude], 15);
        centre(pos.coords.latitude, pos.coords.longitude);
      }, () => show("alert-error", "无法获取位置，请在地图上点选"), { enableHighAccuracy: true, timeout: 10000 });
    });
    alertForm.radius_m.addEventListener("change", draw);
    alertForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      show("alert-error", ""); show("alert-done", "");
      if (!alertForm.lat.value) return show("alert-error", "请在地图上点选提醒范围的中心");
      try {
        const r = await post("/api/v1/alerts", { email: alertForm.email.value, lon: Number(alertForm.lon.value),
          lat: Number(alertForm.lat.value), radius_m: Number(alertForm.radius_m.value),
          on_new: alertForm.on_new.checked, on_closed: alertForm.on_closed.checked });
        show("alert-done", `已订阅：${r.area}，提醒将发送到 ${r.email}`);
      } catch (err) { show("alert-error", err.message); }
    });
  }

  // ---------------------------------------------------------------- "me too": follow with a verified phone
  const list = $("public-list");
  if (list) {
    list.addEventListener("click", async (e) => {
      const b = e.target.closest("button.me-too");
      if (!b) return;
      const no = encodeURIComponent(b.dataset.no);
      let r = await fetch(`/api/v1/citizen/follow/${no}`, { method: "POST", credentials: "same-origin" });
      let followed = r.ok;
      if (r.status === 401) r = await fetch(`/api/v1/public/cases/${no}/me_too`, { method: "POST" });
      const body = await r.json().catch(() => ({}));
      show("me-too-result", r.ok ? (followed ? "已记录，并已加入“我的”关注" : "已记录“我也遇到”") : (body.message || "操作失败，请稍后重试"));
      if (r.ok) b.disabled = true;
    });
  }

  // ---------------------------------------------------------------- public map
  const publicMap = $("public-map");
  if (publicMap) {
    const map = CS.baseMap(publicMap);
    CS.areaLayers(map).then(() => {
      const points = Array.from(document.querySelectorAll("#public-list li[data-lat]"));
      const layer = L.featureGroup(points.map((li) => L.circleMarker([Number(li.dataset.lat), Number(li.dataset.lon)],
        { radius: 6, color: "#d63384" }).bindTooltip(CS.esc(li.dataset.label)))).addTo(map);
      if (points.length) map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 16, animate: false });
      publicMap.dataset.ready = "1";
    });
  }
})();
