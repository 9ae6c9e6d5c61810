// Campaign pages (campaigns context): the phone page finds the inspector's position once and
// reloads the list of nearby subjects with it; a failed item shows its photo field.
(function () {
  "use strict";
  var near = document.getElementById("c-near");
  if (near && near.dataset.located !== "1" && navigator.geolocation) {
    near.textContent = "正在定位…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      var url = new URL(window.location.href);
      url.searchParams.set("lon", pos.coords.longitude.toFixed(6));
      url.searchParams.set("lat", pos.coords.latitude.toFixed(6));
      window.location.replace(url.toString());
    }, function () {
      near.textContent = "无法定位，请从下方列表选择检查对象";
    }, {enableHighAccuracy: true, timeout: 8000});
  }
  document.querySelectorAll(".c-item").forEach(function (item) {
    function sync() {
      var failed = item.querySelector("input[value=fail]:checked");
      item.classList.toggle("c-failed", !!failed);
    }
    item.querySelectorAll("input[type=radio]").forEach(function (r) { r.addEventListener("change", sync); });
    sync();
  });
})();
