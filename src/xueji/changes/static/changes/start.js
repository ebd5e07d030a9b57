// A start form's list of the documents its answers will need: asked again from the server (the
// kind's own evidence rule) whenever an answer changes, so the registrar sees it before saving.
(function () {
  "use strict";
  const form = document.getElementById("start-form");
  const list = document.getElementById("needed-list");
  if (!form || !list) return;
  let timer = null;
  let seq = 0;
  function refresh() {
    const params = new URLSearchParams();
    form.querySelectorAll("[data-fact]").forEach(function (el) { params.append(el.name, el.value); });
    const mine = ++seq;
    fetch(form.dataset.needed + "&" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || mine !== seq) return;
        list.replaceChildren();
        data.needed.forEach(function (label) {
          const li = document.createElement("li");
          li.textContent = label;
          list.appendChild(li);
        });
        if (!data.needed.length) {
          const li = document.createElement("li");
          li.textContent = "无需佐证材料";
          list.appendChild(li);
        }
      })
      .catch(function () { /* offline: the submit checks again */ });
  }
  form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(refresh, 200); });
})();
