// On every page.
(function () {
  "use strict";

  // The main menu on a narrow screen: folded behind its button, opened by it.
  // Without this script the button stays hidden and the menu stays open.
  var button = document.querySelector(".menu-toggle");
  if (button) {
    var header = button.closest(".topbar");
    header.classList.add("foldable");
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      header.classList.toggle("menu-open", open);
    });
  }

  // A confirmation swapped in (a milestone saved) takes the focus, so it is seen and read out.
  document.addEventListener("htmx:afterSettle", function () {
    var saved = document.querySelector(".saved[tabindex]:not([data-seen])");
    if (!saved) return;
    saved.dataset.seen = "";
    saved.focus();
  });
})();
