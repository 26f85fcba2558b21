// The receipt's print button (no inline scripts: pages run under a strict CSP).
document.addEventListener("click", function (event) {
  if (event.target instanceof Element && event.target.closest("[data-print]")) {
    window.print();
  }
});
