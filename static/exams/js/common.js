/* Helpers shared by every page: CSRF token, JSON requests, the Quit button.
   Plain ES2017, no build step. Exposed as window.TATviz. */
(function () {
  "use strict";

  function csrfToken() {
    // The cookie name is app-specific (tatviz_csrftoken); match any *csrftoken.
    const parts = document.cookie ? document.cookie.split(";") : [];
    for (const part of parts) {
      const eq = part.indexOf("=");
      const name = part.slice(0, eq).trim();
      if (name.endsWith("csrftoken")) {
        return decodeURIComponent(part.slice(eq + 1).trim());
      }
    }
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  /* Send a request and return {ok, status, body}; never throws on HTTP errors. */
  async function request(method, url, body) {
    const options = {
      method: method,
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      credentials: "same-origin",
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, options);
    } catch (err) {
      return {
        ok: false,
        status: 0,
        body: { error: "TATviz did not answer. Is it still running?" },
      };
    }
    let data = {};
    try {
      data = await response.json();
    } catch (err) {
      data = { error: "Unexpected answer from TATviz (HTTP " + response.status + ")." };
    }
    return { ok: response.ok, status: response.status, body: data };
  }

  function readJSON(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function setupQuit() {
    const form = document.querySelector("form[data-quit]");
    if (!form) return;
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (!window.confirm("Stop TATviz? Open tabs stop working until you start it again.")) {
        return;
      }
      const result = await request("POST", form.action);
      const message = document.getElementById("quit-message");
      if (result.ok) {
        message.hidden = false;
        document.getElementById("main").setAttribute("aria-hidden", "true");
      } else {
        window.alert(result.body.error || "TATviz could not stop.");
      }
    });
  }

  /* The Plotly config of every chart in the app. Plotly's "Share chart"
     button would send the figure (names, numbers) to Plotly's cloud: exam
     data never leaves this computer, so cloud sharing is off and both cloud
     buttons are removed. exams/report.py carries the same settings inline
     (the offline report loads no app script). */
  function plotConfig(filename) {
    return {
      responsive: true,
      displaylogo: false,
      showSendToCloud: false,
      plotlyServerURL: "",
      modeBarButtonsToRemove: ["lasso2d", "select2d", "sendDataToCloud", "sendChartToCloud"],
      toImageButtonOptions: { filename: filename || "tatviz-chart", scale: 2 },
    };
  }

  window.TATviz = {
    csrfToken: csrfToken,
    request: request,
    readJSON: readJSON,
    plotConfig: plotConfig,
  };
  setupQuit();
})();
