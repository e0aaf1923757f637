// A formula wider than the page scrolls in its own box (tapeguide.css); a keyboard user must be
// able to focus that box to scroll it (WCAG 2.1.1, axe rule "scrollable-region-focusable").
// Only boxes that do scroll become tab stops, as the theme does for wide code and tables.
(() => {
  const update = () => {
    document.querySelectorAll("div.math-display").forEach((box) => {
      const scrolls = box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight;
      if (scrolls) {
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", "formula (scrolls sideways)");
      } else {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  };
  let pending;
  const later = () => {
    clearTimeout(pending);
    pending = setTimeout(update, 200);
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
  window.addEventListener("resize", later);
})();
