/* Balise: small enhancements of staff pages that work without JavaScript. */
(function () {
  "use strict";

  /* Wide tables scroll inside their frame (includes/_table_scroll.html). While a table
     scrolls: the hint shows (where CSS scroll-state queries are not supported), a shadow
     marks each side that hides columns, and the frame is in the tab order (a scrolling
     region must be reachable by keyboard; a still one need not be a tab stop). */
  function update(box) {
    var region = box.querySelector(".table-wrap");
    var hidden = region.scrollWidth - region.clientWidth;
    var scrolls = hidden > 1;
    box.classList.toggle("table-scroll--scrolls", scrolls);
    box.classList.toggle("table-scroll--more-left", scrolls && region.scrollLeft > 1);
    box.classList.toggle("table-scroll--more-right", scrolls && region.scrollLeft < hidden - 1);
    if (scrolls) {
      region.setAttribute("tabindex", "0");
    } else {
      region.removeAttribute("tabindex");
    }
  }

  var resized = "ResizeObserver" in window ? new ResizeObserver(function (entries) {
    entries.forEach(function (entry) { update(entry.target.closest("[data-table-scroll]")); });
  }) : null;

  function setUp(root) {
    var fresh = "[data-table-scroll]:not([data-ready])";
    var boxes = Array.prototype.slice.call(root.querySelectorAll(fresh));
    if (root.matches && root.matches(fresh)) boxes.push(root);
    boxes.forEach(function (box) {
      var region = box.querySelector(".table-wrap");
      box.setAttribute("data-ready", "");
      region.addEventListener("scroll", function () { update(box); }, { passive: true });
      if (resized) {
        resized.observe(region);
        resized.observe(region.querySelector("table") || region);
      }
      update(box);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  // Tables that HTMX swaps in (filtered lists) get the same frame.
  document.addEventListener("htmx:load", function (event) { setUp(event.target); });
})();
