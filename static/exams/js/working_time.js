/* Settings page, working time and custom intervals: save each through
   POST /api/settings; import holidays through POST /api/settings/holidays. */
(function () {
  "use strict";

  function readWorkingTime(form) {
    return {
      days: Array.from(form.querySelectorAll("[name=days]:checked")).map(function (box) {
        return box.value;
      }),
      start: form.querySelector("[name=start]").value,
      end: form.querySelector("[name=end]").value.trim(),
      holidays: form.querySelector("[name=holidays]").value.split("\n")
        .map(function (v) { return v.trim(); }).filter(Boolean),
    };
  }

  function readIntervals(form) {
    const rows = form.querySelectorAll(".custom-interval-row:not([data-removed])");
    return Array.from(rows).map(function (row) {
      const interval = {
        name: row.querySelector("[name=name]").value.trim(),
        start: row.querySelector("[name=start]").value,
        end: row.querySelector("[name=end]").value,
      };
      const label = row.querySelector("[name=label]").value.trim();
      if (label) interval.label = label;
      return interval;
    });
  }

  const READERS = { working_time: readWorkingTime, custom_intervals: readIntervals };

  function show(form, result, onSaved) {
    const errorBox = form.querySelector("[data-error]");
    const savedBox = form.querySelector("[data-saved]");
    errorBox.hidden = result.ok;
    savedBox.hidden = !result.ok;
    if (result.ok) {
      if (onSaved) onSaved(result.body);
    } else {
      errorBox.textContent = result.body.error || "These settings could not be saved.";
    }
  }

  function settleRemoved(form, saved) {
    // Rows removed since the last save go once the server has taken it; a
    // refused save (rules still judge that interval) puts them back.
    form.querySelectorAll("[data-removed]").forEach(function (row) {
      if (saved) {
        row.remove();
      } else {
        row.hidden = false;
        delete row.dataset.removed;
      }
    });
  }

  document.querySelectorAll("form[data-chain-setting]").forEach(function (form) {
    const key = form.dataset.chainSetting;
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const body = {};
      body[key] = READERS[key](form);
      const result = await window.TATviz.request("POST", "/api/settings", body);
      show(form, result);
      settleRemoved(form, result.ok);
    });
  });

  const file = document.getElementById("holiday-file");
  if (file) {
    file.addEventListener("change", async function () {
      const form = file.closest("form");
      if (!file.files.length) return;
      let result;
      try {
        const response = await fetch("/api/settings/holidays", {
          method: "POST",
          headers: {
            "X-CSRFToken": window.TATviz.csrfToken(),
            "Content-Type": "text/csv",
            Accept: "application/json",
          },
          credentials: "same-origin",
          body: await file.files[0].text(),
        });
        result = { ok: response.ok, body: await response.json() };
      } catch (err) {
        result = { ok: false, body: { error: "TATviz did not answer. Is it still running?" } };
      }
      show(form, result, function (body) {
        form.querySelector("[name=holidays]").value = body.working_time.holidays.join("\n");
      });
      file.value = "";
    });
  }
})();
