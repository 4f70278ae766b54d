// The overview's "print or save as PDF" button (an inline handler would break the Content-Security-Policy).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
