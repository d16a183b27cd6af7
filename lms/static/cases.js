// Case pages: live Markdown preview while writing, and an in-place rating widget.
// Both enhance ordinary forms that work without JavaScript.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function postJson(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    });
  }

  // --- live preview: the server renders with the same sanitiser as the case page ---
  var form = document.getElementById("case-form");
  if (form) {
    var previewUrl = form.getAttribute("data-preview-url");
    var timers = {};
    var refresh = function (textarea) {
      var target = document.getElementById(textarea.getAttribute("data-preview"));
      if (!target) { return; }
      if (!textarea.value.trim()) { target.textContent = ""; return; }
      postJson(previewUrl, { text: textarea.value }).then(function (result) {
        if (result.ok) {
          target.innerHTML = result.data.html;  // sanitised on the server (lms.markdown)
        } else {
          target.textContent = result.data.error || result.data.message || "预览失败";
        }
      }).catch(function () { target.textContent = "预览暂不可用"; });
    };
    form.querySelectorAll("textarea[data-preview]").forEach(function (textarea) {
      refresh(textarea);
      textarea.addEventListener("input", function () {
        clearTimeout(timers[textarea.id]);
        timers[textarea.id] = setTimeout(function () { refresh(textarea); }, 400);
      });
    });
  }

  // --- rating widget: save without leaving the page ---
  var ratingForm = document.getElementById("rating-form");
  if (ratingForm) {
    var status = document.getElementById("rating-status");
    var summary = document.getElementById("rating-summary");
    ratingForm.addEventListener("change", function (event) {
      var fieldset = event.target.closest("fieldset.stars");
      if (!fieldset) { return; }
      fieldset.querySelectorAll(".star").forEach(function (star) {
        var input = star.querySelector("input");
        star.classList.toggle("lit", Number(input.value) <= Number(event.target.value));
      });
    });
    ratingForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {};
      ["quality", "application", "engagement", "improvement"].forEach(function (name) {
        var checked = ratingForm.querySelector('input[name="' + name + '"]:checked');
        body[name] = checked ? Number(checked.value) : null;
      });
      postJson(ratingForm.getAttribute("action"), body).then(function (result) {
        if (!result.ok) { status.textContent = result.data.error || "保存失败"; return; }
        status.textContent = "评价已保存，可随时修改。";
        var min = Number(summary.getAttribute("data-min"));
        var count = summary.querySelector('[data-role="count"]');
        if (result.data.averages) {
          Object.keys(result.data.averages).forEach(function (name) {
            var cell = summary.querySelector('[data-criterion="' + name + '"]');
            if (cell) { cell.textContent = result.data.averages[name].toFixed(1); }
          });
          var overall = summary.querySelector('[data-criterion="overall"]');
          if (overall) { overall.textContent = result.data.overall.toFixed(2); }
          count.textContent = "共 " + result.data.count + " 人评价";
        } else {
          count.textContent = "已有 " + result.data.count + " 人评价，满 " + min + " 人后显示平均分。";
        }
      }).catch(function () { ratingForm.submit(); });
    });
  }
})();
