// Progressive enhancement only: the pages work without it. Shows the print buttons.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
