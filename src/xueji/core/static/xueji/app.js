// Validation as the registrar types: the form is sent to the server, which runs the real
// registration service and rolls it back, so the page shows exactly the refusals a submit would.
(function () {
  "use strict";
  const form = document.getElementById("record-form");
  if (!form) return;
  const touched = new Set();
  let timer = null;
  let seq = 0;

  function show(errors) {
    form.querySelectorAll("[data-error]").forEach(function (el) {
      const name = el.getAttribute("data-error");
      const message = touched.has(name) ? errors[name] || "" : "";
      el.textContent = message;
      const wrap = form.querySelector('[data-wrap="' + name + '"]');
      if (wrap) wrap.classList.toggle("has-error", !!message);
    });
    const alert = document.getElementById("form-alert");
    const general = errors.__all__;
    if (alert) {
      alert.hidden = !general || touched.size === 0;
      alert.textContent = general || "";
    }
  }

  function fillFromId(facts) {
    const box = document.getElementById("id-facts");
    if (!facts) { if (box) box.textContent = ""; return; }
    const birth = form.elements.namedItem("birth_date");
    const gender = form.elements.namedItem("gender");
    if (birth && !touched.has("birth_date")) birth.value = facts.birth_date;
    if (gender && !touched.has("gender")) gender.value = facts.gender;
    if (box) box.textContent = "据身份证号：出生日期 " + facts.birth_date + "，性别 " + (facts.gender === "1" ? "男" : "女") +
      (facts.region ? "，" + facts.region : "（地区码不在代码表中，请核对）");
  }

  function validate() {
    const body = new FormData(form);
    body.append("mode", form.getAttribute("data-mode") || "new");
    const mine = ++seq;
    fetch(form.getAttribute("data-validate"), { method: "POST", body: body, headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || mine !== seq) return;  // a newer request is on its way
        fillFromId(data.id);
        show(data.errors || {});
      })
      .catch(function () { /* offline: the submit will still be checked */ });
  }

  function schedule(event) {
    const name = event.target.getAttribute("data-field") || event.target.name;
    if (name) touched.add(name);
    if (name === "id_number" || name === "id_type") { touched.add("birth_date_auto"); }
    clearTimeout(timer);
    timer = setTimeout(validate, 350);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
})();

// A job's page (an import, a large export): ask for its status until it ends. The state label and
// the bar are the same on every job page; the page's own window.xuejiJobView shows the rest.
(function () {
  "use strict";
  const box = document.getElementById("job");
  if (!box || box.dataset.final === "1") return;
  const $ = (id) => document.getElementById(id);
  function poll() {
    fetch(box.dataset.status, {credentials: "same-origin"}).then((r) => r.json()).then(function (s) {
      $("job-state").textContent = s.state_label;
      $("job-bar").style.width = s.percent + "%";
      $("job-bar-box").className = "bar " + s.tone;
      $("job-bar-box").setAttribute("aria-valuenow", s.percent);
      if (window.xuejiJobView) window.xuejiJobView(s, $);
      if (!s.final) setTimeout(poll, 800);
    }).catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 400);
})();

// A form that changes much at once (a school's promotion, removing a class) asks first.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    const form = event.target;
    const button = event.submitter;
    const message = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
