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

  // Polling must not redraw the board under someone who is dragging or typing a reason.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var board = document.getElementById("board");
    if (event.detail.elt !== board) return;
    var busy = dragged || board.querySelector("details.move[open]") || document.querySelector("#panel form:focus-within");
    if (busy) event.preventDefault();
  });

  // A card that comes back with a message among the end states must not stay folded away.
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("details.closed-lane:not([open])").forEach(function (lane) {
      if (lane.querySelector(".card .notice")) lane.open = true;
    });
  });

  // The detail panel closes with its close button or Escape.
  document.addEventListener("click", function (event) {
    if (event.target.closest("#panel .close")) {
      event.preventDefault();
      document.getElementById("panel").innerHTML = "";
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") document.getElementById("panel").innerHTML = "";
  });
})();
