/* Charts: draw the figure embedded with json_script, keep the URL in step with the controls,
   and (on pinned pages) say when the live figures have changed. No inline script anywhere. */
(function () {
  "use strict";

  var CONFIG = {
    responsive: true,
    displaylogo: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
  };

  function draw(root) {
    if (!window.Plotly) return;
    root.querySelectorAll("[data-chart]").forEach(drawOne);
  }

  function drawOne(plot) {
    var spec = JSON.parse(document.getElementById(plot.dataset.figureId).textContent);
    var layout = spec.layout || {};
    // The page's heading names the chart: the figure's own title is for the PNG export.
    var legendRows = (spec.data || []).filter(function (t) { return t.showlegend !== false; });
    layout.title = Object.assign({}, layout.title, { text: "" });
    layout.margin = Object.assign({}, layout.margin, { t: 16 + 24 * Math.ceil(legendRows.length / 2) });
    if (plot.clientWidth < 600) {
      layout.margin = Object.assign({}, layout.margin, { l: 4, r: 36, t: 16 + 22 * legendRows.length });
      layout.font = Object.assign({}, layout.font, { size: 11 });
      if (layout.xaxis && layout.xaxis.type === "date") layout.xaxis.dtick = "M24";
    }
    window.Plotly.react(plot, spec.data || [], layout, CONFIG).then(resizeParent);
  }

  function resizeParent() {
    if (window.parent === window) return;
    window.parent.postMessage(
      { type: "police-breaches:height", height: document.documentElement.scrollHeight },
      "*"
    );
  }

  function controlsQuery(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (value !== "") params.append(name, value);
    });
    return params;
  }

  // The server answers with a redirect to the canonical query string, then the page: swap
  // the chart region in place and record the canonical URL, without a reload.
  function load(url, push) {
    var app = document.querySelector("[data-chart-app]");
    app.setAttribute("aria-busy", "true");
    return fetch(url, { headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.text().then(function (html) {
          return { url: response.url, ok: response.ok, html: html };
        });
      })
      .then(function (result) {
        var doc = new DOMParser().parseFromString(result.html, "text/html");
        var fresh = doc.querySelector("[data-chart-app]");
        if (!result.ok || !fresh) {
          window.location.assign(url);
          return;
        }
        var focused = document.activeElement && document.activeElement.name;
        app.replaceWith(fresh);
        document.title = doc.title;
        if (push) history.pushState({ chart: true }, "", result.url);
        else history.replaceState({ chart: true }, "", result.url);
        wire(fresh);
        if (focused) {
          var again = fresh.querySelector('[name="' + focused + '"]');
          if (again) again.focus();
        }
      });
  }

  function wire(root) {
    draw(root);
    var form = root.querySelector("#chart-controls");
    if (form) {
      var submit = function (event) {
        if (event) event.preventDefault();
        load(form.action + "?" + controlsQuery(form).toString(), true);
      };
      form.addEventListener("change", function () { submit(); });
      form.addEventListener("submit", submit);
    }
    root.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var field = document.getElementById(button.dataset.copy);
        field.select();
        if (navigator.clipboard) navigator.clipboard.writeText(field.value);
        else document.execCommand("copy");
        button.textContent = "Copied";
      });
    });
  }

  function checkLive() {
    var note = document.querySelector("[data-live-url]");
    if (!note) return;
    fetch(note.dataset.liveUrl)
      .then(function (response) { return response.json(); })
      .then(function (live) {
        if (live.changed) note.querySelector("[data-live-notice]").hidden = false;
      })
      .catch(function () {});
  }

  document.addEventListener("DOMContentLoaded", function () {
    wire(document);
    checkLive();
    window.addEventListener("popstate", function () {
      if (document.querySelector("[data-chart-app]")) load(window.location.href, false);
    });
    window.addEventListener("resize", resizeParent);
  });
})();
