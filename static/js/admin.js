// The admin under the Content-Security-Policy and WCAG 2.1. Names for the admin's controls that Django and its packages leave without one (WCAG 2.1, 4.1.2):
// a tabular inline's fields, named by their column heading; select2's boxes, named by their field's
// label; import-export's "select all" box, whose label points at an id it lacks.
(function () {
  "use strict";

  function columnHeading(control) {
    var cell = control.closest("td");
    var table = cell && control.closest("table");
    if (!table) return "";
    var field = Array.prototype.find.call(cell.classList, function (name) { return name.indexOf("field-") === 0; });
    var heading = field ? table.querySelector("thead th.column-" + field.slice(6))
                        : cell.classList.contains("delete") && table.querySelector("thead th:last-child");
    return heading ? heading.textContent.trim() : "";
  }

  function nameOf(control) {
    var label = control.id && document.querySelector('label[for="' + control.id + '"]');
    return (label && label.textContent.replace(/:\s*$/, "").trim()) || columnHeading(control);
  }

  function name() {
    document.querySelectorAll(".tabular td input:not([type=hidden]), .tabular td select, .tabular td textarea").forEach(function (control) {
      if (!control.hasAttribute("aria-label") && !document.querySelector('label[for="' + control.id + '"]')) {
        var text = columnHeading(control);
        if (text) control.setAttribute("aria-label", text);
      }
    });
    document.querySelectorAll("select.admin-autocomplete + .select2").forEach(function (box) {
      var text = nameOf(box.previousElementSibling);
      if (!text) return;
      box.querySelectorAll(".select2-selection, .select2-selection__rendered[role=textbox], .select2-search__field").forEach(function (part) {
        if (part.getAttribute("aria-label") === text) return;
        part.removeAttribute("aria-labelledby");
        part.setAttribute("aria-label", text);
      });
    });
    var toggle = document.querySelector("input.select-toggle:not([id])");
    if (toggle && document.querySelector('label[for="select-all-toggle"]')) toggle.id = "select-all-toggle";
  }

  // import-export's "select all" calls its function from an inline handler, which the Content-Security-Policy
  // blocks: call it from here.
  document.addEventListener("change", function (event) {
    if (event.target.matches("input.select-toggle") && typeof window.onSelectToggleChange === "function") {
      window.onSelectToggleChange(event);
    }
  });

  // select2 draws its boxes after the page has loaded, and again as choices change.
  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; name(); });
  }).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", name);
})();
