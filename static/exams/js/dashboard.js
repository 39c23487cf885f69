/* Dashboard: the server renders the first view; this script keeps the URL,
   the chart and the tables in step with the form without reloading.
   Every view is a plain GET URL, so Back, Forward and bookmarks work. */
(function start() {
  "use strict";

  const form = document.getElementById("dashboard-form");
  const chart = document.getElementById("chart");
  if (!form || !chart) return;
  if (!window.Plotly) {
    // Plotly loads async (dashboard.html): start again once it has run.
    const plotlyScript = document.getElementById("plotly-js");
    if (plotlyScript) plotlyScript.addEventListener("load", start, { once: true });
    return;
  }
  const chartCard = document.getElementById("chart-card");
  const top = document.getElementById("results-top");
  const bottom = document.getElementById("results-bottom");
  const statSelect = document.getElementById("f-stat");
  const metricSelect = document.getElementById("f-metric");
  // Values the server assumes when a parameter is absent: kept out of URLs.
  const DEFAULTS = { days: "all", period: "month", metric: "volume", stat: "median", split: "none" };
  const COUNT_METRICS = ["volume", "ordered", "complete_ratio"];
  // Form fields that choose how to download a report, not what to show.
  const REPORT_ONLY = ["anonymize"];
  // No cloud sharing: see plotConfig in common.js.
  const PLOT_CONFIG = window.TATviz.plotConfig("tatviz-chart");
  let latest = 0;
  let timer = null;

  document.getElementById("apply-button").hidden = true;

  let listening = false;
  function draw(figure) {
    if (!figure) return;
    window.Plotly.react(chart, figure.data, figure.layout, PLOT_CONFIG);
    if (!listening) {
      // Plotly adds .on() to the element once it has drawn into it.
      chart.on("plotly_click", onClick);
      listening = true;
    }
  }

  function queryFromForm() {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form).entries()) {
      if (value === "" || DEFAULTS[name] === value) continue;
      if (REPORT_ONLY.indexOf(name) !== -1) continue;
      params.append(name, value);
    }
    return params.toString();
  }

  function applyQueryToForm(query) {
    const params = new URLSearchParams(query);
    for (const element of form.elements) {
      if (!element.name) continue;
      const values = params.getAll(element.name);
      if (element.type === "checkbox") {
        element.checked = values.indexOf(element.value) !== -1;
      } else if (element.type === "radio") {
        const wanted = values.length ? values[values.length - 1] : DEFAULTS[element.name];
        element.checked = element.value === wanted;
      } else if (element.tagName === "SELECT" || element.tagName === "INPUT") {
        const value = values.length ? values[values.length - 1] : DEFAULTS[element.name] || "";
        element.value = value;
      }
    }
    syncControls();
  }

  function syncControls() {
    // A statistic means nothing for counts; disabling also keeps it out of the URL.
    const isCount = COUNT_METRICS.indexOf(metricSelect.value) !== -1;
    statSelect.disabled = isCount;
    statSelect.title = isCount ? "Counts have no statistic: pick a turnaround metric" : "";
    const start = form.elements.start.value;
    const end = form.elements.end.value;
    document.querySelectorAll(".presets button").forEach(function (button) {
      const on = button.dataset.start === start && button.dataset.end === end;
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  async function refresh(query, push) {
    if (push) {
      window.history.pushState({ query: query }, "", "/dashboard" + (query ? "?" + query : ""));
    }
    const ticket = ++latest;
    chartCard.setAttribute("aria-busy", "true");
    const result = await window.TATviz.request("GET", "/dashboard/data" + (query ? "?" + query : ""));
    if (ticket !== latest) return; // a newer change is on its way
    chartCard.removeAttribute("aria-busy");
    if (!result.ok) {
      showError(result.body.error || "This view could not be drawn.");
      shown(query);
      return;
    }
    top.innerHTML = result.body.top;
    bottom.innerHTML = result.body.bottom;
    chartCard.hidden = result.body.empty;
    if (pngButton) pngButton.hidden = result.body.empty;
    const reportButton = document.getElementById("report-button");
    // No report of an empty view: the page already says there is nothing to show.
    if (reportButton) reportButton.hidden = result.body.empty;
    chart.setAttribute("aria-label", result.body.chart_title || "");
    if (!result.body.empty) draw(result.body.figure);
    shown(query);
  }

  // Record which query the page shows (tests and scripts wait on it).
  function shown(query) {
    chartCard.dataset.query = query;
  }

  function showError(message) {
    top.textContent = "";
    const box = document.createElement("p");
    box.className = "banner banner-error";
    box.setAttribute("role", "alert");
    box.textContent = message;
    top.appendChild(box);
    bottom.textContent = "";
    chartCard.hidden = true;
  }

  function scheduleRefresh() {
    syncControls();
    window.clearTimeout(timer);
    // Wait a moment so ticking three boxes in a row costs one request.
    timer = window.setTimeout(function () {
      refresh(queryFromForm(), true);
    }, 250);
  }

  form.addEventListener("change", function (event) {
    if (event.target.classList.contains("list-search")) return;
    if (REPORT_ONLY.indexOf(event.target.name) !== -1) return;
    scheduleRefresh();
  });
  form.addEventListener("submit", function (event) {
    // "Download report" sends the form to /report: the browser downloads it.
    if (event.submitter && event.submitter.id === "report-button") return;
    event.preventDefault();
    scheduleRefresh();
  });

  window.addEventListener("popstate", function () {
    const query = window.location.search.replace(/^\?/, "");
    applyQueryToForm(query);
    refresh(query, false);
  });

  // Click-through: the server turns the bucket and series into filters.
  function onClick(event) {
    const point = event.points && event.points[0];
    if (!point) return;
    const params = new URLSearchParams(window.location.search);
    params.set("bucket", point.data.x[point.pointIndex]);
    params.set("series", point.data.meta);
    window.location.assign("/exams/drill?" + params.toString());
  }

  // A PNG of the chart as drawn (Plotly's camera button in the modebar too).
  const pngButton = document.getElementById("chart-png");
  if (pngButton) {
    pngButton.hidden = chartCard.hidden;
    pngButton.addEventListener("click", function () {
      window.Plotly.downloadImage(chart, {
        format: "png",
        filename: "tatviz-chart",
        scale: 2,
        width: chart.offsetWidth,
        height: chart.offsetHeight,
      });
    });
  }

  // Save view: the query string of what is shown, under a name.
  const saveButton = document.getElementById("save-view");
  const viewStatus = document.getElementById("view-status");
  if (saveButton && window.TATviz.savedViews) {
    saveButton.hidden = false;
    saveButton.addEventListener("click", async function () {
      viewStatus.textContent = "";
      const title = document.getElementById("chart-title");
      const suggestion = title ? title.textContent.trim() : "";
      const name = window.prompt("Save this view as:", suggestion);
      if (name === null || !name.trim()) return;
      const result = await window.TATviz.savedViews.save(name.trim(), queryFromForm());
      viewStatus.textContent = result.ok
        ? (result.status === 201 ? "Saved “" : "Replaced “") + result.body.name + "”."
        : result.body.error || "The view could not be saved.";
    });
  }

  // A link whose undefined values the server dropped (the note at the top)
  // is rewritten to what is shown, so Back never returns to a refused query.
  if (document.querySelector("[data-dropped-filters]")) {
    const kept = queryFromForm();
    window.history.replaceState({ query: kept }, "", "/dashboard" + (kept ? "?" + kept : ""));
  } else {
    window.history.replaceState({ query: window.location.search.replace(/^\?/, "") }, "");
  }
  syncControls();
  draw(window.TATviz.readJSON("figure-data"));
  shown(window.location.search.replace(/^\?/, ""));
})();
