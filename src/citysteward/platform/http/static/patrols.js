/* Patrols (issue 11): the inspector's phone (/m) and the console's coverage map (/console/patrols).
   The phone keeps every point it has not sent in localStorage, in numbered batches: a batch resent
   after a lost connection carries the same number and the server stores it once. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var store = window.localStorage;

  function load(key, fallback) {
    try { var v = JSON.parse(store.getItem(key)); return v === null ? fallback : v; } catch (e) { return fallback; }
  }
  function save(key, value) { store.setItem(key, JSON.stringify(value)); }

  function api(method, url, body) {
    var opts = { method: method, headers: {}, credentials: "same-origin" };
    if (body instanceof FormData) { opts.body = body; }
    else if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch(url, opts).then(function (r) {
      return r.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!r.ok) { var err = new Error((data && data.message) || ("请求失败（" + r.status + "）")); err.status = r.status; throw err; }
        return data;
      });
    });
  }

  // ---------------------------------------------------------------- the phone
  function phone(root) {
    var sampleMs = Number(root.dataset.sampleS || 10) * 1000;
    var batchPoints = Number(root.dataset.batchPoints || 6);
    var me = null, timer = null, sending = false, last = null;

    function pending() { return load("cs-points", []).length + load("cs-batches", []).reduce(function (n, b) { return n + b.points.length; }, 0); }
    function showPending() { $("m-pending").textContent = pending(); }

    // The phone's position is watched all the time; a sample is the latest fix, stamped now.
    var fixAt = 0;
    function fix(p) {
      last = { lon: p.coords.longitude, lat: p.coords.latitude, acc: Math.round(p.coords.accuracy || 0) };
      fixAt = Date.now();
    }
    if (navigator.geolocation) {
      navigator.geolocation.watchPosition(fix, function () {}, { enableHighAccuracy: true, maximumAge: 0 });
    }
    function stamped() { return last ? { t: Math.floor(Date.now() / 1000), lon: last.lon, lat: last.lat, acc: last.acc } : null; }
    function position() {
      return new Promise(function (resolve) {
        if (last && Date.now() - fixAt < Math.max(60000, 3 * sampleMs)) { resolve(stamped()); return; }
        if (!navigator.geolocation) { resolve(stamped()); return; }
        navigator.geolocation.getCurrentPosition(function (p) { fix(p); resolve(stamped()); },
          function () { resolve(stamped()); }, { enableHighAccuracy: true, maximumAge: 0, timeout: 5000 });
      });
    }

    function cut(force) {
      var points = load("cs-points", []);
      var patrol = load("cs-patrol", null);
      if (!patrol || !points.length || (!force && points.length < batchPoints)) { return; }
      var batches = load("cs-batches", []);
      var seq = load("cs-seq", 0);
      batches.push({ patrol: patrol, seq: seq, points: points });
      save("cs-seq", seq + 1);
      save("cs-batches", batches);
      save("cs-points", []);
    }

    function netDown() {
      $("m-net").textContent = "网络中断，轨迹已保存在手机上，恢复后自动补传";
      showPending();
    }
    // the figures again where nothing waits on them: a dead spot only shows as the network line
    function refreshQuietly() { return refresh().catch(netDown); }

    function flush() {
      if (sending) { return Promise.resolve(); }
      var batches = load("cs-batches", []);
      if (!batches.length) { showPending(); return Promise.resolve(); }
      sending = true;
      var b = batches[0];
      return api("POST", "/api/v1/patrols/" + b.patrol + "/track", { seq: b.seq, points: b.points }).then(function () {
        save("cs-batches", load("cs-batches", []).slice(1));
        $("m-net").textContent = "";
        sending = false;
        if (!load("cs-batches", []).length && me && me.patrol) { refreshQuietly(); }  // the live figures
        return flush();
      }, function (err) {
        sending = false;
        if (err.status && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429) {
          save("cs-batches", load("cs-batches", []).slice(1));  // refused for good: never retried
          return flush();
        }
        netDown();
      });
    }

    function sample() {
      return position().then(function (p) {
        if (!p || !load("cs-patrol", null)) { return; }
        var points = load("cs-points", []);
        points.push(p);
        save("cs-points", points);
        save("cs-sampled", load("cs-sampled", 0) + 1);  // how many points this phone has taken
        cut(false);
        showPending();
        return flush();
      });
    }

    function startSampling() {
      if (timer) { return; }
      timer = window.setInterval(sample, sampleMs);
    }
    function stopSampling() { if (timer) { window.clearInterval(timer); timer = null; } }

    function render() {
      var on = me && me.clocked_in;
      var p = me && me.patrol;
      $("m-clock-state").textContent = !on ? "未上班" : (p ? "巡查中" : "已上班");
      $("m-clock").textContent = on ? "下班打卡" : "上班打卡";
      $("m-clock").disabled = false;
      $("m-patrol").textContent = p ? "结束巡查" : "开始巡查";
      $("m-patrol").disabled = !on;
      $("m-points").textContent = p ? p.points : 0;
      $("m-km").textContent = ((p ? p.distance_m : me.today.distance_m) / 1000).toFixed(2);
      $("m-grids").textContent = p ? p.grids.length : 0;
      $("m-grid-list").textContent = "今日已完成巡查 " + me.today.patrols + " 次（有效 " + me.today.effective + " 次）" +
        (me.own_grids.length ? "；责任网格：" + me.own_grids.join("、") : "");
      showPending();
      if (p) { save("cs-patrol", p.id); startSampling(); } else { stopSampling(); store.removeItem("cs-patrol"); }
    }

    function refresh() { return api("GET", "/api/v1/patrols/me").then(function (d) { me = d; render(); }); }

    $("m-clock").addEventListener("click", function () {
      var kind = me && me.clocked_in ? "out" : "in";
      $("m-clock").disabled = true;
      var before = kind === "out" ? endLocal() : Promise.resolve();
      before.then(position).then(function (p) {
        return api("POST", "/api/v1/patrols/clock", { kind: kind, lon: p ? p.lon : null, lat: p ? p.lat : null });
      }).then(refresh).then(loadTasks).catch(function (err) { $("m-clock-state").textContent = err.message; $("m-clock").disabled = false; });
    });

    function endLocal() {
      stopSampling();
      cut(true);
      return flush().then(function () { store.removeItem("cs-patrol"); });
    }

    $("m-patrol").addEventListener("click", function () {
      $("m-patrol").disabled = true;
      if (me.patrol) {
        var id = me.patrol.id;
        me.patrol = null;  // no refresh restarts the sampling while the patrol ends
        endLocal().then(function () { return api("POST", "/api/v1/patrols/" + id + "/end"); })
          .then(refresh).catch(function (err) { $("m-clock-state").textContent = err.message; refreshQuietly(); });
      } else {
        api("POST", "/api/v1/patrols").then(function (d) {
          save("cs-patrol", d.patrol_id); save("cs-points", []);
          return sample();
        }).then(refresh).catch(function (err) { $("m-clock-state").textContent = err.message; refreshQuietly(); });
      }
    });

    // finding: photo, then one tap
    var before = null;
    $("m-photo").addEventListener("change", function () {
      before = this.files && this.files[0];
      if (!before) { return; }
      $("m-preview").src = URL.createObjectURL(before);
      $("m-report").hidden = false;
      $("m-after-box").hidden = true;
      $("m-report-msg").textContent = "";
    });
    Array.prototype.forEach.call(document.querySelectorAll(".m-chip"), function (chip) {
      chip.addEventListener("click", function () {
        Array.prototype.forEach.call(document.querySelectorAll(".m-chip"), function (c) { c.setAttribute("aria-pressed", c === chip ? "true" : "false"); });
      });
    });
    function chosen() { var c = document.querySelector(".m-chip[aria-pressed=true]"); return c ? { code: c.dataset.code, name: c.textContent } : null; }

    function submit(after) {
      var cat = chosen();
      if (!before || !cat) { $("m-report-msg").textContent = "请先拍照并选择问题类别"; return; }
      $("m-send").disabled = $("m-self").disabled = true;
      position().then(function (p) {
        if (!p) { throw new Error("无法获取当前位置，请打开定位后重试"); }
        var form = new FormData();
        form.append("category_code", cat.code);
        form.append("description", ($("m-desc").value || "").trim() || (cat.name + "（巡查发现）"));
        form.append("lon", p.lon); form.append("lat", p.lat); form.append("crs", "wgs84");
        form.append("photos", before, "before-" + (before.name || "photo.jpg"));
        if (after) { form.append("self_handled", "true"); form.append("photos", after, "after-" + (after.name || "photo.jpg")); }
        return fetch("/api/v1/reports", { method: "POST", body: form, credentials: "same-origin",
          headers: { "Idempotency-Key": "m-" + Date.now() + "-" + Math.random().toString(36).slice(2) } })
          .then(function (r) { return r.json().then(function (d) { if (!r.ok) { throw new Error(d.message || "上报失败"); } return d; }); });
      }).then(function (d) {
        $("m-report-msg").textContent = (after ? "已自处理：" : "已上报：") + d.case_no;
        $("m-report").hidden = true; $("m-photo").value = ""; $("m-after").value = ""; $("m-desc").value = ""; before = null;
      }).catch(function (err) { $("m-report-msg").textContent = err.message; })
        .then(function () { $("m-send").disabled = $("m-self").disabled = false; });
    }
    $("m-send").addEventListener("click", function () { submit(null); });
    $("m-self").addEventListener("click", function () { $("m-after-box").hidden = false; });
    $("m-after").addEventListener("change", function () { if (this.files && this.files[0]) { submit(this.files[0]); } });

    // tasks, nearest first
    function loadTasks() {
      return position().then(function (p) {
        var q = p ? "?lon=" + p.lon + "&lat=" + p.lat : "";
        return api("GET", "/api/v1/patrols/tasks" + q);
      }).then(function (items) {
        var ul = $("m-tasks");
        ul.innerHTML = "";
        if (!items.length) { var li = document.createElement("li"); li.className = "m-small"; li.textContent = "暂无任务"; ul.appendChild(li); return; }
        items.forEach(function (t) { ul.appendChild(taskItem(t)); });
      }).catch(function (err) { $("m-task-msg").textContent = err.message; });
    }

    function button(text, cls, onClick) {
      var b = document.createElement("button"); b.type = "button"; b.className = "m-btn m-small-btn " + (cls || ""); b.textContent = text;
      b.addEventListener("click", onClick); return b;
    }

    function taskItem(t) {
      var li = document.createElement("li");
      li.className = "m-task"; li.dataset.caseNo = t.case_no;
      var head = document.createElement("div");
      var dot = document.createElement("span"); dot.className = "m-light m-" + t.light; dot.title = t.light_label;
      var title = document.createElement("b"); title.textContent = t.kind_label + " · " + t.category_name;
      head.appendChild(dot); head.appendChild(title);
      var info = document.createElement("div"); info.className = "m-small";
      info.textContent = t.case_no + (t.address ? " · " + t.address : "") + (t.distance_m !== null ? " · " + Math.round(t.distance_m) + " 米" : "") + " · " + t.reason;
      var note = document.createElement("input"); note.className = "m-input"; note.placeholder = "说明（不属实、不通过时必填）"; note.maxLength = 200;
      var acts = document.createElement("div"); acts.className = "m-actions";
      var yes = t.kind === "verify" ? ["属实", "verify"] : ["核查通过", "check_pass"];
      var no = t.kind === "verify" ? ["不属实", "refute"] : ["不通过", "check_fail"];
      acts.appendChild(button(yes[0], "m-go", function () { act(t, yes[1], note.value); }));
      acts.appendChild(button(no[0], "", function () { act(t, no[1], note.value); }));
      li.appendChild(head); li.appendChild(info); li.appendChild(note); li.appendChild(acts);
      return li;
    }

    function act(t, action, note) {
      api("POST", "/api/v1/cases/" + encodeURIComponent(t.case_no) + "/" + action, { version: t.version, note: note || "" })
        .then(function (d) { $("m-task-msg").textContent = t.case_no + "：" + d.state_label; return loadTasks(); })
        .catch(function (err) { $("m-task-msg").textContent = err.message; });
    }

    window.addEventListener("online", flush);
    window.setInterval(flush, 15000);
    refresh().then(flush).then(loadTasks).catch(function (err) { $("m-clock-state").textContent = err.message; });
  }

  // ---------------------------------------------------------------- the coverage map
  function coverage(el) {
    var map = L.map(el, { zoomControl: true, attributionControl: false });
    api("GET", "/api/v1/patrols/coverage?day=" + encodeURIComponent(el.dataset.day)).then(function (d) {
      var grids = L.geoJSON(d.grids, {
        style: function (f) { return { color: f.properties.visited ? "#2e7d32" : "#c62828", weight: 1, fillOpacity: f.properties.visited ? 0.25 : 0.12 }; },
        onEachFeature: function (f, layer) {
          layer.bindTooltip(f.properties.name + (f.properties.visited ? "：" + f.properties.inspectors.join("、") : "：未巡查"));
        }
      }).addTo(map);
      L.geoJSON(d.tracks, { style: function () { return { color: "#1565c0", weight: 3 }; } }).addTo(map);
      if (grids.getBounds().isValid()) { map.fitBounds(grids.getBounds()); } else { map.setView([35.2, 113.2], 12); }
      $("cov-patrols").textContent = d.patrols;
      $("cov-visited").textContent = d.visited.length;
      $("cov-missing").textContent = d.not_visited.length;
      var ul = $("cov-missing-list");
      d.not_visited.slice(0, 200).forEach(function (code) { var li = document.createElement("li"); li.textContent = code; ul.appendChild(li); });
      el.dataset.loaded = "true";
    }).catch(function (err) { el.textContent = err.message; });
  }

  var phoneRoot = $("m-home");
  if (phoneRoot) { phone(phoneRoot); }
  var mapRoot = $("coverage-map");
  if (mapRoot && window.L) { coverage(mapRoot); }
})();
