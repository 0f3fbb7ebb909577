// Loaded by every page (templates/base.html). Progressive enhancement only: every page
// works without it.
//
// A region that scrolls sideways (a wide table on a phone) must be reachable by
// keyboard, or keyboard users cannot see its hidden columns: such regions become
// focusable while, and only while, they actually scroll.
(function () {
  "use strict";
  var SCROLLERS = ".table-scroll, .board, main div, main pre";

  function markScrollers() {
    document.querySelectorAll(SCROLLERS).forEach(function (el) {
      var style = window.getComputedStyle(el);
      var scrolls = /(auto|scroll)/.test(style.overflowX + style.overflowY) &&
        (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1);
      if (scrolls && !el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
        el.dataset.scrollFocus = "1";
      } else if (!scrolls && el.dataset.scrollFocus) {
        el.removeAttribute("tabindex");
        delete el.dataset.scrollFocus;
      }
    });
  }

  var pending = null;
  function later() {
    window.clearTimeout(pending);
    pending = window.setTimeout(markScrollers, 150);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", markScrollers);
  } else {
    markScrollers();
  }
  window.addEventListener("resize", later);
  window.addEventListener("load", markScrollers);
})();
