// Small behaviours every page shares. Everything works without this file; it adds only what
// HTML cannot do by itself.
(function () {
  "use strict";

  // Caveat markers and flags are <details class="disclosure">: native disclosure buttons.
  // Esc closes the one the reader is in (or every open one) and returns focus to its button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var active = document.activeElement;
    var around = active && active.closest ? active.closest("details.disclosure[open]") : null;
    var open = around ? [around] : document.querySelectorAll("details.disclosure[open]");
    if (!open.length) return;
    open.forEach(function (details) { details.open = false; });
    if (around) around.querySelector("summary").focus();
    event.preventDefault();
  });

  // A page opened at a fragment (#results, after Show or a sort) puts the keyboard there too,
  // not only the scroll position: the next Tab goes into the table, not the site's header.
  function focusFragment() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (target && target.tabIndex === -1) target.focus();
  }

  // A wide table says when it has columns out of view to the right. The cue keeps its
  // space when it is off, so the table does not jump as it scrolls.
  function watchOverflow(scroller) {
    var cue = scroller.parentElement.querySelector(".more-columns");
    if (!cue) return;
    cue.hidden = false;
    function update() {
      var more = scroller.scrollLeft + scroller.clientWidth < scroller.scrollWidth - 2;
      cue.classList.toggle("is-off", !more);
    }
    scroller.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", update);
    update();
  }

  // Chromium does not scroll a focused link that is only partly under a sticky column or
  // header (scroll-padding is not applied to focus): move the table so it is in full view.
  function keepFocusClearOfStickyParts(scroller) {
    var column = scroller.querySelector("thead th:nth-child(2)");
    var header = scroller.querySelector("thead");
    if (!column || !header) return;
    scroller.addEventListener("focusin", function (event) {
      var cell = event.target.closest("td, th");
      if (!cell || getComputedStyle(column).position !== "sticky") return;
      if (cell.cellIndex <= 1) return;  // the rank and force columns are the sticky ones
      var box = event.target.getBoundingClientRect();
      var clearLeft = column.getBoundingClientRect().right;
      if (box.left < clearLeft) scroller.scrollLeft -= clearLeft - box.left + 8;
      var clearTop = header.getBoundingClientRect().bottom;
      if (cell.closest("tbody") && box.top < clearTop) {
        scroller.scrollTop -= clearTop - box.top + 8;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusFragment();
    document.querySelectorAll(".table-scroll.cards-on-phone").forEach(function (scroller) {
      watchOverflow(scroller);
      keepFocusClearOfStickyParts(scroller);
    });
  });
})();
