// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".nav-toggle");
    if (toggle) {
      var nav = document.getElementById(toggle.getAttribute("aria-controls"));
      var open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", String(!open));
      nav.classList.toggle("open", !open);
      return;
    }
    // One menu open at a time, and a click elsewhere closes it.
    var clickedMenu = event.target.closest(".nav-group details");
    document.querySelectorAll(".nav-group details[open]").forEach(function (menu) {
      if (menu !== clickedMenu) {
        menu.removeAttribute("open");
      }
    });
    var confirmer = event.target.closest("[data-confirm]");
    if (confirmer && !window.confirm(confirmer.getAttribute("data-confirm"))) {
      event.preventDefault();
      return;
    }
    var copier = event.target.closest("[data-copy]");
    if (copier) {
      var source = document.querySelector(copier.getAttribute("data-copy"));
      source.select();
      if (navigator.clipboard) {
        navigator.clipboard.writeText(source.value);
      }
      copier.textContent = "已复制";
    }
  });
})();
