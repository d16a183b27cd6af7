// Exam page: autosave each answer as it changes, keep the "已作答 n / N" count current, send what
// is still unsaved when the page goes away, and count down to the server's deadline.
// Without JavaScript the page still works: every page change posts the form and saves.
(function () {
  "use strict";

  var form = document.getElementById("exam-form");
  var clock = document.getElementById("exam-clock");
  var status = document.getElementById("save-status");

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function valueOf(slot) {
    var inputs = slot.querySelectorAll("input[name^='q-']");
    var values = [];
    inputs.forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox")) {
        if (input.checked) { values.push(input.value); }
      } else {
        values.push(input.value);
      }
    });
    return values;
  }

  function showError(slotId, message) {
    var box = document.getElementById("error-" + slotId);
    if (!box) { return; }
    box.textContent = message || "";
    box.hidden = !message;
    box.parentElement.classList.toggle("has-error", Boolean(message));
  }

  // The count covers every page; only this page's questions can change here, so the other
  // pages' share is what the server counted minus this page's answers at load.
  var countBox = document.getElementById("answered-count");
  var answeredHere = {};
  var otherPages = 0;

  function isAnswered(values) {
    return values.some(function (value) { return value.trim() !== ""; });
  }

  function showCount() {
    if (!countBox) { return; }
    var here = Object.keys(answeredHere).filter(function (id) { return answeredHere[id]; }).length;
    countBox.textContent = String(otherPages + here);
  }

  if (form && countBox) {
    form.querySelectorAll("[data-slot]").forEach(function (slot) {
      answeredHere[slot.getAttribute("data-slot")] = isAnswered(valueOf(slot));
    });
    otherPages = parseInt(countBox.textContent, 10) -
      Object.keys(answeredHere).filter(function (id) { return answeredHere[id]; }).length;
  }

  var pending = {};
  var timer = null;
  var inFlight = false;   // one autosave at a time, so an older answer can never land after a newer one
  var retryDelay = 0;     // ms before the next try after a failure: 1 s, 2 s, 4 s … at most 15 s

  function requeue(answers) {
    // An answer changed again while this one was on its way is newer: keep that one.
    Object.keys(answers).forEach(function (id) { if (!(id in pending)) { pending[id] = answers[id]; } });
  }

  function retryLater(answers, message) {
    requeue(answers);
    retryDelay = Math.min(retryDelay ? retryDelay * 2 : 1000, 15000);
    status.textContent = message;
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(flush, retryDelay + Math.floor(Math.random() * 500), false);
  }

  // keepalive: the request outlives the page (pagehide). sendBeacon cannot carry the CSRF header.
  function flush(keepalive) {
    timer = null;
    if (inFlight && !keepalive) { return; }   // sent again when the request on its way has answered
    var answers = pending;
    pending = {};
    if (!Object.keys(answers).length) { return; }
    inFlight = true;
    status.textContent = "正在保存…";
    fetch(form.getAttribute("data-autosave-url"), {
      method: "POST",
      credentials: "same-origin",
      keepalive: Boolean(keepalive),
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ answers: answers })
    }).then(function (response) {
      if (response.status >= 500 || response.status === 429) {
        // The database restarting (503), a proxy without a node (502/504): nothing was saved; try again.
        return { retry: true };
      }
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (reply) {
      inFlight = false;
      if (reply.retry) {
        retryLater(answers, "服务器暂时无法保存，答案仍在本页，正在自动重试…");
        return;
      }
      retryDelay = 0;
      if (reply.status === 409 && reply.body.result_url) {
        window.location.assign(reply.body.result_url);
        return;
      }
      (reply.body.saved || []).forEach(function (id) { showError(id, ""); });
      Object.keys(reply.body.errors || {}).forEach(function (id) { showError(id, reply.body.errors[id]); });
      status.textContent = reply.status === 200 ? "已保存" : (reply.body.message || "部分答案未保存，请查看提示");
      if (Object.keys(pending).length && !timer) { flush(false); }
    }).catch(function () {
      inFlight = false;
      retryLater(answers, "网络中断，答案仍在本页，正在自动重试；翻页时也会保存");
    });
  }

  if (form) {
    var handler = function (event) {
      var slot = event.target.closest("[data-slot]");
      if (!slot) { return; }
      var values = valueOf(slot);
      var single = event.target.type !== "checkbox";
      pending[slot.getAttribute("data-slot")] = single ? (values[0] || "") : values;
      answeredHere[slot.getAttribute("data-slot")] = isAnswered(values);
      showCount();
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(flush, event.type === "input" ? 600 : 0);
    };
    form.addEventListener("change", handler);
    form.addEventListener("input", function (event) { if (event.target.type === "text") { handler(event); } });
    // Typing not yet saved (the 600 ms pause) goes out when the page is left or hidden.
    var leave = function () {
      if (timer) { window.clearTimeout(timer); }
      flush(true);
    };
    window.addEventListener("pagehide", leave);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { leave(); }
    });
  }

  if (clock) {
    var deadline = Date.parse(clock.getAttribute("data-deadline"));
    var skew = Date.parse(clock.getAttribute("data-now")) - Date.now();
    var out = clock.querySelector(".countdown");
    var tick = function () {
      var left = Math.max(0, Math.floor((deadline - (Date.now() + skew)) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      out.textContent = " 剩余 " + minutes + " 分 " + (seconds < 10 ? "0" : "") + seconds + " 秒";
      clock.classList.toggle("clock-low", left <= 300);
      if (left === 0) {
        window.clearInterval(interval);
        if (timer) { window.clearTimeout(timer); flush(false); }
        window.setTimeout(function () { window.location.assign(clock.getAttribute("data-result-url")); }, 1500);
      }
    };
    var interval = window.setInterval(tick, 1000);
    tick();
  }
})();
