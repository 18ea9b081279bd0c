/* For pages that embed a Police Data Breaches chart: fit each iframe to its chart's height.
   The embedded page posts {type: "police-breaches:height", height} to its parent. */
(function () {
  "use strict";
  if (window.__policeBreachesResize) return;
  window.__policeBreachesResize = true;
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.type !== "police-breaches:height" || typeof data.height !== "number") return;
    document.querySelectorAll("iframe[data-breaches-chart]").forEach(function (frame) {
      if (frame.contentWindow === event.source) {
        frame.style.height = Math.min(Math.max(data.height, 200), 4000) + "px";
      }
    });
  });
})();
