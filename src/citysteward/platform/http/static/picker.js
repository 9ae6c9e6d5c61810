/* The citizen's category picker (市民随手拍): ~30 everyday problems in plain words with icons, each
   mapped to a standard code (/api/v1/problems); "其他" (or the keyword search below the icons) and suggests categories
   from what the citizen writes (/api/v1/suggest). The standard scheme stays for staff. */
(function () {
  "use strict";
  const form = document.getElementById("report-form");
  const grid = document.getElementById("problem-grid");
  if (!form || !grid) return;
  const $ = (id) => document.getElementById(id);
  const esc = CS.esc;
  const picker = $("category-picker");
  const suggestBox = $("category-suggest");
  let other = false;

  function choose(code, label) {
    form.category_code.value = code;
    $("category-chosen").querySelector("span").textContent = label;
    $("category-chosen").hidden = false;
    grid.hidden = true;
    picker.hidden = true;
    suggestBox.hidden = true;
    for (const b of grid.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b.dataset.code === code));
    form.dispatchEvent(new Event("change"));
  }

  // An icon: the problem's character on its group's colour, as inline SVG (no emoji font, no CDN).
  const icon = (glyph, colour) => `<svg class="icon" viewBox="0 0 36 36" width="36" height="36" aria-hidden="true">
      <rect width="36" height="36" rx="9" fill="${esc(colour)}"/>
      <text x="18" y="25" text-anchor="middle" font-size="19" fill="#fff">${esc(glyph)}</text></svg>`;
  CS.getJSON("/api/v1/problems").then((problems) => {
    grid.innerHTML = problems.map((p) =>
      `<button type="button" data-code="${esc(p.code)}" data-label="${esc(p.label)}" aria-pressed="false">
         ${icon(p.glyph, p.colour)}${esc(p.label)}</button>`).join("")
      + `<button type="button" data-other="1">${icon("…", "#868e96")}其他</button>`;
  }).catch(() => { grid.hidden = true; });

  grid.addEventListener("click", (e) => {
    const b = e.target.closest("button");
    if (!b) return;
    if (b.dataset.other) {
      other = true;
      suggestBox.hidden = false;
      suggestBox.textContent = "填写下方的问题描述后，系统会推荐问题类别；也可以输入关键词搜索。";
      $("category-search").focus();
      return;
    }
    choose(b.dataset.code, b.dataset.label);
  });
  $("category-change").addEventListener("click", () => { grid.hidden = false; other = false; });
  $("category-results").addEventListener("click", () => { grid.hidden = true; suggestBox.hidden = true; });

  let timer = null;
  form.description.addEventListener("input", () => {
    if (!other || form.category_code.value) return;
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const text = form.description.value.trim();
      if (!text) return;
      const s = await CS.getJSON(`/api/v1/suggest?text=${encodeURIComponent(text)}`);
      suggestBox.innerHTML = "推荐类别：" + s.items.map((c) =>
        `<button type="button" class="btn ghost small" data-code="${esc(c.code)}" data-label="${esc(c.name)}">${esc(c.name)}</button>`).join(" ")
        + (s.urgent ? '<p class="flash error">可能存在安全隐患，请注意远离，紧急情况请拨打 110/119/12345。</p>' : "");
      suggestBox.hidden = false;
    }, 300);
  });
  suggestBox.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-code]");
    if (b) choose(b.dataset.code, b.dataset.label);
  });
})();
