// Drag and drop on the board. A drop posts one card's move (its target stage and
// the version the user saw); the server answers with the card where it now is,
// so a refused move puts the card back with the reason.
(function () {
  "use strict";
  var dragged = null;

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".card.movable");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.key);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".column.drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
  });

  document.addEventListener("dragover", function (event) {
    var column = dragged && event.target.closest(".column");
    if (!column) return;
    event.preventDefault();
    column.classList.add("drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    var column = event.target.closest && event.target.closest(".column");
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("drop-target");
  });

  document.addEventListener("drop", function (event) {
    var column = dragged && event.target.closest(".column");
    if (!column) return;
    event.preventDefault();
    var card = dragged;
    var stage = column.dataset.stage;
    if (stage === card.dataset.stage) return;
    column.querySelector(".cards").prepend(card);
    // Any stage is posted, also one the card's menu would not offer: the server says why not.
    htmx.ajax("POST", card.dataset.moveUrl, {
      source: card,
      target: card,
      swap: "delete",
      values: { stage: stage, version: card.dataset.version, next: location.pathname + location.search },
    });
  });

  // Polling must not redraw the board under someone who is dragging, typing a reason, or still at the card
  // they just changed (its confirmation or refusal would vanish with the focus).
  // A poll already on its way when that began is not drawn either.
  function busy(board) {
    return dragged || board.querySelector("details.move[open], .card:has(.notice):focus-within") ||
      document.querySelector("#panel form:focus-within");
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var board = document.getElementById("board");
    if (event.detail.elt === board && busy(board)) event.preventDefault();
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var board = document.getElementById("board");
    if (event.detail.requestConfig.elt === board && busy(board)) event.detail.shouldSwap = false;
  });

  // A board redrawn by polling keeps the keyboard focus where it was: on the same control of the same
  // card (its title, its "Move", its star), so that the next key press does what the user meant.
  var CONTROLS = "a[href], button, summary, select, textarea, input";
  var focused = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target.id !== "board" || !event.detail.shouldSwap) return;
    var card = document.activeElement && document.activeElement.closest(".card");
    var controls = card && Array.from(card.querySelectorAll(CONTROLS));
    focused = card && { card: card.id, control: controls.indexOf(document.activeElement) };
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target.id !== "board" || !focused) return;
    var card = document.getElementById(focused.card);
    var control = card && (card.querySelectorAll(CONTROLS)[focused.control] || card.querySelector(".card-title"));
    focused = null;
    if (control) control.focus();
  });

  // A card that comes back with a message among the end states must not stay folded away.
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("details.closed-lane:not([open])").forEach(function (lane) {
      if (lane.querySelector(".card .notice")) lane.open = true;
    });
  });

  // After a move (menu or drag) the focus goes to the moved card where it now is: to the reason
  // field when the rules ask for one, else to its title, next to the confirmation or refusal.
  // The card's star posts too, but is drawn anew in place, where htmx keeps the focus on it.
  var movedKey = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var card = elt.closest && !elt.classList.contains("star-button") && elt.closest(".card");
    if (card && event.detail.requestConfig.verb === "post") movedKey = card.dataset.key;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!movedKey) return;
    var card = document.getElementById("card-" + movedKey);
    movedKey = null;
    if (!card) return;
    var target = card.querySelector("textarea[required]") || card.querySelector(".card-title");
    target.focus();
    card.scrollIntoView({ block: "nearest" });
  });

  // An item's star shows on its card and in the panel over it: a click on one asks for the other as well
  // (legislation.views.follow), so that the two say the same.
  document.addEventListener("htmx:configRequest", function (event) {
    var star = event.detail.elt;
    if (!star.classList || !star.classList.contains("star-button")) return;
    var other = event.detail.parameters.place === "card" ? "detail" : "card";
    if (document.getElementById("star-" + other + "-" + star.value)) event.detail.parameters.also = other;
  });

  // A column narrows while empty and widens again when a card arrives, and the other way round.
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("#board .column").forEach(function (column) {
      column.classList.toggle("empty", !column.querySelector(".card"));
    });
  });

  // "Show more" replaces itself with the next cards: the focus goes to the first of them.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var more = event.detail.target;
    if (!more.classList || !more.classList.contains("more")) return;
    var before = more.previousElementSibling, list = more.parentElement;
    document.addEventListener("htmx:afterSettle", function focusFirst() {
      document.removeEventListener("htmx:afterSettle", focusFirst);
      var first = before ? before.nextElementSibling : list.firstElementChild;
      var title = first && first.querySelector(".card-title, a");
      if (title) title.focus();
    });
  });

  // The detail panel: opening it moves the focus into it; its close button or Escape
  // closes it and returns the focus to the card it was opened from.
  var panel = document.getElementById("panel");
  var opener = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var card = event.detail.target === panel && event.detail.elt.closest(".card");
    if (card) opener = card.id;  // by id: polling may have drawn the card anew meanwhile
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target !== panel) return;
    var heading = panel.querySelector("h1");
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  });
  function closePanel() {
    if (!panel.firstElementChild) return;
    panel.innerHTML = "";
    var card = opener && document.getElementById(opener);
    if (card) card.querySelector(".card-title").focus();
    opener = null;
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("#panel .close")) {
      event.preventDefault();
      closePanel();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closePanel();
  });
})();

// Every handler above is attached and the board's cards are in the page (this script is deferred): from here on
// the board is usable. A mark, so that bench/browser.py (or a profiler) reads when that was.
performance.mark("board-usable");
