// Where the eye and the keyboard go when a page opens: to what went wrong, when the page says
// something went wrong (a refused submit, an error message: announced, and scrolled to); else, on
// a page that is a form to fill (data-autofocus), to its first field.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  const alert = document.querySelector("main [role=alert]:not([hidden])");
  if (alert) {
    if (!alert.hasAttribute("tabindex")) alert.setAttribute("tabindex", "-1");
    alert.focus();
    return;
  }
  const form = document.querySelector("main form[data-autofocus]");
  if (!form || document.activeElement !== document.body) return;
  const first = form.querySelector("input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])");
  if (first) first.focus();
});

// The phone's menu (≤ 760 px): folded under one button so the page starts on the first screen.
(function () {
  "use strict";
  const toggle = document.querySelector(".menu-toggle");
  if (!toggle) return;
  const bar = toggle.closest(".topbar");
  toggle.addEventListener("click", function () {
    const open = bar.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();

// The class list follows the grade: only the chosen grade's classes are offered.
(function () {
  "use strict";
  const grade = document.querySelector("select[data-field=grade]");
  const cls = document.querySelector("select[data-field=school_class]");
  if (!grade || !cls) return;
  function follow() {
    Array.from(cls.options).forEach(function (option) {
      const of = option.getAttribute("data-grade");
      const shown = !of || !grade.value || of === grade.value;
      option.hidden = !shown;
      option.disabled = !shown;
      if (!shown && option.selected) cls.value = "";
    });
  }
  grade.addEventListener("change", follow);
  follow();
})();

// Validation as the registrar types: the form is sent to the server, which runs the real
// registration service and rolls it back, so the page shows exactly the refusals a submit would.
(function () {
  "use strict";
  const form = document.getElementById("record-form");
  if (!form) return;
  const touched = new Set();
  const derived = new Set();  // filled from the ID number: its errors are shown like a typed field's
  let timer = null;
  let seq = 0;

  function show(errors) {
    form.querySelectorAll("[data-error]").forEach(function (el) {
      const name = el.getAttribute("data-error");
      const message = touched.has(name) || derived.has(name) ? errors[name] || "" : "";
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
    if (birth && !touched.has("birth_date")) { birth.value = facts.birth_date; derived.add("birth_date"); }
    if (gender && !touched.has("gender")) { gender.value = facts.gender; derived.add("gender"); }
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
// the bar are the same on every job page; JOB_VIEWS[the page's data-view] shows the rest. (No
// script or style in the page itself: the Content-Security-Policy allows only these files.)
const JOB_VIEWS = {
  "import": function (s, $) {
    $("job-phase").textContent = s.final ? "" : s.phase_label;
    $("job-count").textContent = !s.final && s.total ? s.phase_label + "：" + s.done.toLocaleString() + " / " + s.total.toLocaleString() + " 行" : "";
    if (!s.final) return;
    $("job-message").textContent = s.message;
    $("n-total").textContent = s.total_rows; $("n-imported").textContent = s.imported;
    $("n-present").textContent = s.present; $("n-invalid").textContent = s.invalid;
    $("job-report").hidden = !s.has_report;
    $("job-counts").hidden = s.state === "failed" || s.state === "interrupted";
    const errors = s.first_errors || [];
    const rows = $("job-error-rows");
    rows.replaceChildren(...errors.map(function (e) {
      const tr = document.createElement("tr");
      [["行号", "第 " + e.line + " 行"], ["列", e.column || "—"], ["错误原因", e.reason]].forEach(function (cell) {
        const td = document.createElement("td");
        td.setAttribute("data-label", cell[0]);
        td.textContent = cell[1];
        tr.appendChild(td);
      });
      return tr;
    }));
    $("job-errors").hidden = errors.length === 0;
    $("job-result").hidden = false;
  },
  "export": function (s, $) {
    $("job-count").textContent = s.final ? "" : (s.total ? "已写入 " + s.done.toLocaleString() + " / " + s.total.toLocaleString() + " 名学生" : "正在查询符合条件的学生…");
    if (!s.final) return;
    $("job-message").textContent = s.message;
    $("job-message").hidden = false;
    $("job-download").hidden = !s.ready;
    $("job-wait").hidden = true;
  },
};
(function () {
  "use strict";
  const box = document.getElementById("job");
  if (!box) return;
  const $ = (id) => document.getElementById(id);
  $("job-bar").style.width = (box.dataset.percent || "0") + "%";
  if (box.dataset.final === "1") return;
  const view = JOB_VIEWS[box.dataset.view];
  function poll() {
    fetch(box.dataset.status, {credentials: "same-origin", headers: {"X-Xueji-Poll": "1"}}).then((r) => r.json()).then(function (s) {
      $("job-state").textContent = s.state_label;
      $("job-bar").style.width = s.percent + "%";
      $("job-bar-box").className = "bar " + s.tone;
      $("job-bar-box").setAttribute("aria-valuenow", s.percent);
      if (view) view(s, $);
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

// The idle timeout (org.session_guard): two minutes before the server ends a session nobody used,
// say so and offer to stay; a job page's polling does not count as use, so it says X-Xueji-Poll.
(function () {
  "use strict";
  const body = document.body;
  const limit = Number(body.dataset.idleSeconds || 0);
  const box = document.getElementById("idle-warning");
  if (!limit || !box) return;
  const warnAt = Math.max(limit - 120, limit / 2) * 1000;
  let started = Date.now();
  let timer = null;
  function arm() {
    clearInterval(timer);
    box.hidden = true;
    started = Date.now();
    timer = setInterval(tick, 1000);
  }
  function tick() {
    const left = Math.round((limit * 1000 - (Date.now() - started)) / 1000);
    if (left <= 0) { window.location.reload(); return; }  // the server now sends the login page
    if (Date.now() - started >= warnAt) {
      box.hidden = false;
      document.getElementById("idle-left").textContent = left >= 60 ? Math.ceil(left / 60) + " 分钟" : left + " 秒";
    }
  }
  document.getElementById("idle-stay").addEventListener("click", function () {
    const token = document.querySelector("[name=csrfmiddlewaretoken]") || {};
    fetch(body.dataset.keepalive, { method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": token.value || "" } }).then(arm);
  });
  document.addEventListener("htmx:afterRequest", arm);
  arm();
})();

// What was typed into a form survives an idle logout: kept in this tab's sessionStorage while
// typing, put back when the same account opens the page again, and forgotten once the form is
// submitted, when the account logs out, or when another account signs in in this tab (R21.1:
// nobody else ever sees what one registrar typed).
(function () {
  "use strict";
  if (!document.body.dataset.idleSeconds) return;
  const mine = "xueji-draft:" + (document.body.dataset.user || "") + ":";
  Object.keys(sessionStorage).forEach(function (k) {
    if (k.indexOf("xueji-draft:") === 0 && k.indexOf(mine) !== 0) sessionStorage.removeItem(k);
  });
  document.querySelectorAll("form[action$='/logout/']").forEach(function (form) {
    form.addEventListener("submit", function () {
      Object.keys(sessionStorage).forEach(function (k) { if (k.indexOf("xueji-draft:") === 0) sessionStorage.removeItem(k); });
    });
  });
  const SKIP = /^(password|file|hidden|submit|button)$/;
  document.querySelectorAll("form[method=post]").forEach(function (form, n) {
    const key = mine + location.pathname + ":" + n;
    const fields = Array.from(form.elements).filter(function (el) {
      return el.name && !SKIP.test(el.type || "") && el.name !== "csrfmiddlewaretoken";
    });
    if (!fields.length) return;
    const saved = sessionStorage.getItem(key);
    if (saved) {
      const values = JSON.parse(saved);
      fields.forEach(function (el) {
        if (!(el.name in values)) return;
        if (el.type === "checkbox" || el.type === "radio") el.checked = values[el.name].indexOf(el.value) >= 0;
        else if (!el.value) el.value = values[el.name][0];
      });
    }
    form.addEventListener("input", function () {
      const values = {};
      fields.forEach(function (el) {
        if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
        (values[el.name] = values[el.name] || []).push(el.value);
      });
      sessionStorage.setItem(key, JSON.stringify(values));
    });
    form.addEventListener("submit", function () { sessionStorage.removeItem(key); });
  });
})();

// 「返回上一页」 on the error pages: back in history when there is one (a link, not an inline script).
document.addEventListener("click", function (event) {
  "use strict";
  const link = event.target.closest && event.target.closest("a[data-back]");
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});

// The home pages' charts (home_charts): the server writes each chart's ECharts option as data; the
// chart is drawn on a canvas (no style attributes for the Content-Security-Policy to refuse), its
// figures stay in the table and the sentence beside it.
(function () {
  "use strict";
  const boxes = document.querySelectorAll("[data-chart]");
  if (!boxes.length || !window.echarts) return;
  const charts = Array.from(boxes).map(function (box) {
    const chart = window.echarts.init(box, null, { renderer: "canvas" });
    chart.setOption(JSON.parse(box.getAttribute("data-chart")));
    return chart;
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
