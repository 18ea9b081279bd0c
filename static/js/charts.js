/* Charts: draw each figure embedded with json_script, keep the builder's chart and URL in step
   with its controls without a reload, and (on pinned pages) say when the live figures have
   changed. No inline script anywhere; docs/charts.md describes the behaviour. */
(function () {
  "use strict";

  var NARROW = 600; // px: below this, names go above the bars and the legend below the plot
  var SETTLE_MS = 400; // a change applies once the controls have been still this long
  var ARROW_COMMIT_MS = 1500; // a select moved with the arrow keys applies on Enter, blur or this

  /* Drawing ------------------------------------------------------------------------------ */

  function draw(root) {
    if (!window.Plotly) return;
    root.querySelectorAll("[data-chart]").forEach(drawOne);
  }

  function drawOne(plot) {
    var spec = JSON.parse(document.getElementById(plot.dataset.figureId).textContent);
    var narrow = plot.clientWidth < NARROW;
    var layout = narrow ? narrowLayout(spec) : wideLayout(spec);
    var config = {
      responsive: true,
      displaylogo: false,
      // No toolbar: on a phone it covered the legend and the bars; its buttons are focusable
      // inside a plot hidden from assistive technology; and one offers to send the chart to
      // another site. The page has the downloads, the pinned page the image.
      displayModeBar: false,
    };
    hideFromAssistiveTechnology(plot);
    window.Plotly.react(plot, spec.data || [], layout, config).then(resizeParent);
  }

  function legendRows(spec) {
    return (spec.data || []).filter(function (t) { return t.showlegend !== false && t.name; }).length;
  }

  // The page's heading names the chart: the figure's own title is for the PNG export.
  function wideLayout(spec) {
    var layout = spec.layout || {};
    layout.title = Object.assign({}, layout.title, { text: "" });
    var legend = layout.showlegend === false ? 0 : 24 * Math.ceil(legendRows(spec) / 2);
    layout.margin = Object.assign({}, layout.margin, { t: 16 + legend });
    return layout;
  }

  // Narrow screens: force names above their bars, the legend below the plot, no end labels
  // wider than the screen.
  function narrowLayout(spec) {
    var layout = spec.layout || {};
    layout.title = Object.assign({}, layout.title, { text: "" });
    layout.font = Object.assign({}, layout.font, { size: 11 });
    layout.margin = { l: 14, r: 40, t: 8, b: 40 };
    layout.legend = { orientation: "h", x: 0, y: -0.08, yanchor: "top", xanchor: "left" };
    if (layout.xaxis && layout.xaxis.type === "date") {
      layout.xaxis.dtick = "M24";
      layout.annotations = (layout.annotations || []).filter(function (a) { return a.name !== "line-end"; });
      layout.margin.r = 12;
      // Room under the plot for the whole legend: plotly scrolls a legend taller than its share.
      var groups = {};
      (spec.data || []).forEach(function (t) { if (t.legendgroup) groups[t.legendgroup] = true; });
      var legendLines = legendRows(spec) + 2 * Object.keys(groups).length;
      layout.height = 430 + 22 * legendLines;
    }
    var y = layout.yaxis || {};
    if (y.type === "category" || isTwoLevel(spec)) {
      flattenCategories(spec, layout);
      // Each name above its bar, inside the plot: none is clipped at the left edge. (Plotly's
      // "inside" tick labels would hide the value axis's labels, which they overlap.)
      layout.yaxis = Object.assign({}, layout.yaxis, { type: "category", showticklabels: false, automargin: false });
      var names = categories(spec, layout);
      layout.height = 100 + 46 * Math.max(names.length, 3);
      // Bars about 20 px thick however few the rows, so that each name clears its bar.
      var band = (layout.height - layout.margin.t - layout.margin.b) / Math.max(names.length, 1);
      layout.bargap = Math.max(0.55, 1 - 20 / band);
      layout.annotations = (layout.annotations || []).concat(names.map(nameAboveBar));
    }
    if (layout.xaxis && layout.xaxis.ticksuffix === "%") layout.xaxis.dtick = 25;
    (spec.data || []).forEach(legendForNarrow);
    if (layout.xaxis && layout.xaxis.title) {
      layout.xaxis.title = Object.assign({}, layout.xaxis.title, { standoff: 4 });
      // Below the axis's labels and its title (about 56 px), not over them: the legend's
      // place is a share of the plot's height, which depends on the rows.
      var plot = (layout.height || 450) - layout.margin.t - layout.margin.b;
      layout.legend.y = -Math.min(0.5, 58 / Math.max(plot, 100));
    }
    return layout;
  }

  // "Force · dataset" is too wide for a phone: the force becomes its group's title, once, and
  // each entry names the dataset.
  function legendForNarrow(trace) {
    if (!trace.name) return;
    var parts = trace.name.split(" · ");
    if (parts.length === 2 && trace.legendgroup) {
      trace.legendgrouptitle = { text: shortLabel(parts[0], 36), font: { size: 11 } };
      trace.name = parts[1];
    }
    trace.name = shortLabel(trace.name, 36);
  }

  // Trace names arrive HTML-escaped (builders.py): never cut inside an entity such as "&amp;".
  function shortLabel(text, width) {
    if (text.length <= width) return text;
    var cut = text.slice(0, width - 1).replace(/&[a-z#0-9]*$/i, "");
    return cut.replace(/\s+$/, "") + "…";
  }

  function isTwoLevel(spec) {
    return (spec.data || []).some(function (t) { return Array.isArray(t.y) && Array.isArray(t.y[0]); });
  }

  // A two-level axis (force, then outcome) needs a wide margin for its two columns of labels:
  // on a phone each row is labelled "Force · outcome" instead, above its bar.
  function flattenCategories(spec, layout) {
    if (!isTwoLevel(spec)) return;
    spec.data.forEach(function (trace) {
      if (!Array.isArray(trace.y) || !Array.isArray(trace.y[0])) return;
      trace.y = trace.y[0].map(function (force, i) { return force + " · " + trace.y[1][i]; });
    });
    var order = spec.data[0].y.slice();
    layout.yaxis = Object.assign({}, layout.yaxis, { categoryorder: "array", categoryarray: order });
  }

  function categories(spec, layout) {
    if (layout.yaxis && layout.yaxis.categoryarray) return layout.yaxis.categoryarray;
    var seen = [];
    (spec.data || []).forEach(function (t) {
      (t.y || []).forEach(function (v) { if (seen.indexOf(v) < 0) seen.push(v); });
    });
    return seen;
  }

  function nameAboveBar(name) {
    return {
      text: name, x: 0, xref: "paper", xanchor: "left", y: name, yref: "y", yanchor: "bottom",
      yshift: 9, showarrow: false, font: { size: 11, color: "#1b1f24" },
    };
  }

  // The figure is named and summarised by the page (aria-labelledby, aria-describedby); the
  // SVG's tick labels and hover layers would only be noise, and nothing inside an aria-hidden
  // region may take focus from the keyboard. The template already hides the empty container;
  // plotly then adds nodes while it draws, and again on every hover, resize and redraw (a link
  // in a label, say). An observer takes each out of the Tab order as it arrives: its callback
  // runs as a microtask, before any other script (axe, a key press) can see the plot. Nodes
  // stay clickable, so the hover labels still work with a mouse.
  // Every "a": plotly's links in SVG text carry xlink:href, which a[href] does not match.
  var FOCUSABLE = "a, area[href], button, input, select, textarea, iframe, summary, [tabindex], [contenteditable]";

  function untabbable(node) {
    if (node.nodeType !== 1) return;
    var found = Array.prototype.slice.call(node.querySelectorAll(FOCUSABLE));
    if (node.matches(FOCUSABLE)) found.push(node);
    found.forEach(function (el) {
      if (el.getAttribute("tabindex") !== "-1") el.setAttribute("tabindex", "-1");
    });
  }

  function hideFromAssistiveTechnology(plot) {
    plot.setAttribute("aria-hidden", "true");
    untabbable(plot);
    if (plot.dataset.untabbable || !window.MutationObserver) return;
    plot.dataset.untabbable = "true";
    new MutationObserver(function (records) {
      records.forEach(function (record) {
        if (record.type === "attributes") untabbable(record.target);
        else Array.prototype.forEach.call(record.addedNodes, untabbable);
      });
    }).observe(plot, { subtree: true, childList: true, attributes: true, attributeFilter: ["tabindex", "href", "contenteditable"] });
  }

  function resizeParent() {
    if (window.parent === window) return;
    window.parent.postMessage(
      { type: "police-breaches:height", height: document.documentElement.scrollHeight },
      "*"
    );
  }

  /* Announcements ------------------------------------------------------------------------ */

  function announce(text) {
    var region = document.querySelector("[data-announcer]");
    if (!region) return;
    // Emptied first, so the same words twice ("Copied", "Copied") are announced twice.
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  /* The builder -------------------------------------------------------------------------- */

  function Builder(app) {
    this.app = app;
    this.form = app.querySelector("#chart-controls");
    this.timer = null;
    this.arrowTimer = null;
    this.inFlight = null;
    this.requested = this.query();
  }

  Builder.prototype.query = function () {
    var params = new URLSearchParams();
    new FormData(this.form).forEach(function (value, name) {
      if (value !== "") params.append(name, value);
    });
    return params.toString();
  };

  Builder.prototype.wire = function () {
    var self = this;
    var form = this.form;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.apply();
    });
    // A closed select moved with the arrow keys fires "change" at every step: wait for the
    // reader to commit (Enter, leaving the control, or a pause) instead of drawing each one.
    form.addEventListener("keydown", function (event) {
      if (event.target.tagName !== "SELECT") return;
      if (/^(Arrow(Up|Down|Left|Right)|Home|End|PageUp|PageDown)$/.test(event.key)) {
        event.target.dataset.arrowed = "true";
      } else if (event.key === "Enter" && event.target.dataset.arrowed) {
        event.preventDefault();
        self.commit(event.target);
      }
    });
    form.addEventListener("change", function (event) {
      var control = event.target;
      if (control.name === "from" || control.name === "to") self.limitPeriod();
      if (control.name === "forces") self.renderChips();
      if (control.tagName === "SELECT" && control.dataset.arrowed) {
        window.clearTimeout(self.arrowTimer);
        self.arrowTimer = window.setTimeout(function () { self.commit(control); }, ARROW_COMMIT_MS);
        return;
      }
      self.schedule();
    });
    form.addEventListener("focusout", function (event) {
      if (event.target.dataset && event.target.dataset.arrowed) self.commit(event.target);
    });
    form.addEventListener("click", function (event) {
      var chip = event.target.closest("[data-remove-force]");
      if (chip) self.removeForce(chip);
      if (event.target.closest("[data-clear-forces]")) self.clearForces();
    });
    this.renderChips();
    this.limitPeriod();
    window.addEventListener("popstate", function () {
      self.load(window.location.href, { push: false, replaceControls: true });
    });
  };

  Builder.prototype.commit = function (select) {
    window.clearTimeout(this.arrowTimer);
    delete select.dataset.arrowed;
    this.schedule();
  };

  Builder.prototype.schedule = function () {
    var self = this;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () { self.apply(); }, SETTLE_MS);
  };

  Builder.prototype.apply = function () {
    window.clearTimeout(this.timer);
    var query = this.query();
    var hint = this.form.querySelector("[data-forces-why]");
    if (this.needsForce()) {
      hint.textContent = "Choose at least one force to draw a trend.";
      announce(hint.textContent);
      return;
    }
    if (query === this.requested) return; // settled back where it started: nothing to draw
    this.requested = query;
    this.load(this.form.action + "?" + query, { push: true });
  };

  // A trend of every dataset needs forces: with none the server would choose three again.
  Builder.prototype.needsForce = function () {
    var chart = this.form.elements.chart.value;
    var dataset = this.form.elements.dataset.value;
    return chart === "trend" && !dataset && !this.form.querySelector('[name="forces"]:checked');
  };

  // The server answers with a redirect to the canonical query string, then the page: its chart,
  // table and share links replace ours, the controls are brought in step without replacing the
  // one in use (focus stays), and the canonical URL is recorded once.
  Builder.prototype.load = function (url, options) {
    var self = this;
    if (this.inFlight) this.inFlight.abort();
    var controller = window.AbortController ? new AbortController() : null;
    this.inFlight = controller;
    this.app.setAttribute("aria-busy", "true");
    return fetch(url, { headers: { Accept: "text/html" }, signal: controller && controller.signal })
      .then(function (response) {
        return response.text().then(function (html) {
          return { url: response.url, status: response.status, html: html };
        });
      })
      .then(function (result) {
        var doc = new DOMParser().parseFromString(result.html, "text/html");
        var fresh = doc.querySelector("[data-chart-app]");
        if (!fresh || (result.status !== 200 && result.status !== 400)) {
          window.location.assign(url);
          return;
        }
        self.swap(fresh, options.replaceControls);
        document.title = doc.title;
        if (result.status === 400) {
          var error = self.form.querySelector("[data-field-error]:not([hidden])");
          announce(error ? error.textContent : "That chart could not be drawn.");
          return;
        }
        if (options.push && result.url !== window.location.href) {
          history.pushState({ chart: true }, "", result.url);
        }
        self.requested = self.query();
        var heading = self.app.querySelector("#chart-heading");
        var summary = self.app.querySelector("#chart-summary");
        announce("Chart updated: " + heading.firstChild.textContent.trim() + ". " + summary.textContent);
      })
      .catch(function (error) {
        if (error.name !== "AbortError") window.location.assign(url);
      })
      .finally(function () {
        if (self.inFlight === controller) {
          self.inFlight = null;
          self.app.removeAttribute("aria-busy");
        }
      });
  };

  Builder.prototype.swap = function (fresh, replaceControls) {
    var self = this;
    ["[data-chart-region]", "section.share"].forEach(function (selector) {
      var old = self.app.querySelector(selector);
      var replacement = fresh.querySelector(selector);
      if (old && replacement) old.replaceWith(replacement);
    });
    fresh.querySelectorAll("#chart-controls [data-field]").forEach(function (field) {
      var current = self.form.querySelector('[data-field="' + field.dataset.field + '"]');
      if (!current) return;
      if (field.dataset.field === "forces") self.syncForces(current, field);
      else if (!replaceControls && current.contains(document.activeElement)) self.syncInPlace(current, field);
      else current.replaceWith(field);
    });
    draw(this.app.querySelector("[data-chart-region]"));
    wireCopyButtons(this.app.querySelector("section.share"));
    wireShare(this.app.querySelector("section.share"));
    this.renderChips();
    this.limitPeriod();
  };

  // The control in use keeps its node (and so focus): take its value, options' states, error.
  Builder.prototype.syncInPlace = function (current, field) {
    var control = current.querySelector("select");
    var freshControl = field.querySelector("select");
    if (control && freshControl && control.options.length === freshControl.options.length) {
      Array.prototype.forEach.call(freshControl.options, function (option, i) {
        control.options[i].disabled = option.disabled;
      });
      control.value = freshControl.value;
      ["aria-invalid", "aria-describedby"].forEach(function (name) {
        if (freshControl.hasAttribute(name)) control.setAttribute(name, freshControl.getAttribute(name));
        else control.removeAttribute(name);
      });
    }
    current.hidden = field.hidden;
    var error = current.querySelector("[data-field-error]");
    var freshError = field.querySelector("[data-field-error]");
    if (error && freshError) error.replaceWith(freshError);
  };

  // The force list keeps its nodes (focus, scroll position, open or closed): only ticks,
  // the note on why forces are chosen, and any error change.
  Builder.prototype.syncForces = function (current, field) {
    var chosen = {};
    field.querySelectorAll('[name="forces"]:checked').forEach(function (box) { chosen[box.value] = true; });
    current.querySelectorAll('[name="forces"]').forEach(function (box) { box.checked = !!chosen[box.value]; });
    current.hidden = field.hidden; // charts that compare every force (funnel, map) hide it
    ["[data-forces-why]", "[data-field-error]"].forEach(function (selector) {
      var old = current.querySelector(selector);
      var replacement = field.querySelector(selector);
      if (old && replacement) old.replaceWith(replacement);
    });
  };

  // Each chosen force as a button that removes it, above the list.
  Builder.prototype.renderChips = function () {
    var list = this.form.querySelector("[data-chips]");
    if (!list) return;
    // Rebuilt after every update: the chip that had focus gets it back.
    var focusedForce = list.contains(document.activeElement) && document.activeElement.dataset.removeForce;
    list.textContent = "";
    this.form.querySelectorAll('[name="forces"]:checked').forEach(function (box) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "chip";
      button.dataset.removeForce = box.value;
      button.setAttribute("aria-label", "Remove " + box.dataset.forceName);
      button.textContent = box.dataset.forceName;
      var cross = document.createElement("span");
      cross.setAttribute("aria-hidden", "true");
      cross.textContent = "×";
      button.appendChild(cross);
      item.appendChild(button);
      list.appendChild(item);
    });
    list.hidden = !list.children.length;
    if (focusedForce) {
      var again = list.querySelector('[data-remove-force="' + CSS.escape(focusedForce) + '"]');
      if (again) again.focus();
    }
  };

  Builder.prototype.removeForce = function (chip) {
    var box = this.form.querySelector('[name="forces"][value="' + CSS.escape(chip.dataset.removeForce) + '"]');
    var chips = Array.prototype.slice.call(this.form.querySelectorAll("[data-remove-force]"));
    var index = chips.indexOf(chip);
    var name = box.dataset.forceName;
    box.checked = false;
    this.renderChips();
    // Focus stays among the chips (the next one, else the previous), else goes to the list.
    var left = this.form.querySelectorAll("[data-remove-force]");
    var next = left[Math.min(index, left.length - 1)] || this.form.querySelector(".forces-picker summary");
    next.focus();
    announce(name + " removed.");
    this.schedule();
  };

  Builder.prototype.clearForces = function () {
    this.form.querySelectorAll('[name="forces"]:checked').forEach(function (box) { box.checked = false; });
    this.renderChips();
    var details = this.form.querySelector(".forces-picker details");
    details.open = true;
    details.querySelector("summary").focus();
    this.schedule();
  };

  // A period cannot end before it starts: years on the wrong side of the other end are
  // disabled, so the controls never send a reversed period.
  Builder.prototype.limitPeriod = function () {
    var from = this.form.elements.from;
    var to = this.form.elements.to;
    if (!from || !to) return;
    Array.prototype.forEach.call(to.options, function (option) {
      option.disabled = !!(option.value && from.value && Number(option.value) < Number(from.value));
    });
    Array.prototype.forEach.call(from.options, function (option) {
      option.disabled = !!(option.value && to.value && Number(option.value) > Number(to.value));
    });
  };

  /* Share, copy, pinned pages ------------------------------------------------------------- */

  function wireCopyButtons(root) {
    if (!root) return;
    root.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var field = document.getElementById(button.dataset.copy);
        field.select();
        if (navigator.clipboard) navigator.clipboard.writeText(field.value).catch(function () {});
        else document.execCommand("copy");
        announce("Copied");
        var label = button.dataset.label || (button.dataset.label = button.textContent);
        button.textContent = "Copied";
        window.setTimeout(function () { button.textContent = label; }, 3000);
      });
    });
  }

  // Share pins the chart (a POST), then opens the pinned page at its link, focused and ready
  // to copy. Without JavaScript the form posts and the server redirects to the same page.
  function wireShare(root) {
    var form = root && root.querySelector(".share-form");
    if (!form) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("[data-share]");
      button.disabled = true;
      announce("Pinning the chart…");
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok || !response.redirected) throw new Error("not pinned");
          window.location.assign(response.url.split("#")[0] + "#share-link");
        })
        .catch(function () { form.submit(); });
    });
  }

  function focusShareLink() {
    if (window.location.hash !== "#share-link") return;
    var field = document.getElementById("share-link");
    if (!field) return;
    field.focus();
    field.select();
    announce("Chart pinned. The link is selected; the next control copies it.");
  }

  function checkLive() {
    var note = document.querySelector("[data-live-url]");
    if (!note) return;
    fetch(note.dataset.liveUrl)
      .then(function (response) { return response.json(); })
      .then(function (live) {
        if (!live.changed) return;
        var notice = note.querySelector("[data-live-notice]");
        notice.hidden = false;
        announce(notice.textContent);
      })
      .catch(function () {});
  }

  document.addEventListener("DOMContentLoaded", function () {
    draw(document);
    wireCopyButtons(document);
    var app = document.querySelector("[data-chart-app]");
    if (app && app.querySelector("#chart-controls")) {
      new Builder(app).wire();
      wireShare(app.querySelector("section.share"));
    }
    focusShareLink();
    checkLive();
    window.addEventListener("resize", resizeParent);
  });
})();
