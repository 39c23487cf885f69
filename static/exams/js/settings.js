/* Settings page: add and remove rows, save each section through
   POST /api/settings and show the server's message beside the section. */
(function () {
  "use strict";

  function splitList(text) {
    return text.split(",").map(function (v) { return v.trim(); }).filter(Boolean);
  }

  function readShifts(form) {
    return Array.from(form.querySelectorAll(".shift-row")).map(function (row) {
      return {
        name: row.querySelector("[name=name]").value.trim(),
        start: row.querySelector("[name=start]").value,
        end: row.querySelector("[name=end]").value,
      };
    });
  }

  function readTargets(form) {
    const rules = Array.from(form.querySelectorAll("tr.target-row")).map(function (row) {
      const rule = {};
      const priorities = splitList(row.querySelector("[name=priority]").value);
      const classes = splitList(row.querySelector("[name=patient_class]").value);
      if (priorities.length) rule.priority = priorities;
      if (classes.length) rule.patient_class = classes;
      rule.minutes = Number(row.querySelector("[name=minutes]").value);
      return rule;
    });
    return { rules: rules, default: Number(form.querySelector("#default-target").value) };
  }

  function readStatuses(form) {
    return form.querySelector("textarea").value.split("\n")
      .map(function (v) { return v.trim(); }).filter(Boolean);
  }

  const READERS = { shifts: readShifts, targets: readTargets, cancelled_statuses: readStatuses };

  document.querySelectorAll("form[data-setting]").forEach(function (form) {
    const key = form.dataset.setting;
    const errorBox = form.querySelector("[data-error]");
    const savedBox = form.querySelector("[data-saved]");

    form.addEventListener("input", function () {
      savedBox.hidden = true;
    });

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      errorBox.hidden = true;
      savedBox.hidden = true;
      const body = {};
      body[key] = READERS[key](form);
      const result = await window.TATviz.request("POST", "/api/settings", body);
      if (result.ok) {
        savedBox.hidden = false;
        form.querySelectorAll("[aria-invalid]").forEach(function (el) {
          el.removeAttribute("aria-invalid");
        });
      } else {
        errorBox.textContent = result.body.error || "These settings could not be saved.";
        errorBox.hidden = false;
        form.querySelectorAll("input:invalid, textarea:invalid").forEach(function (el) {
          el.setAttribute("aria-invalid", "true");
        });
      }
    });
  });

  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.addEventListener("click", function () {
      const template = document.getElementById(button.dataset.addRow);
      const body = document.getElementById(button.dataset.target);
      const row = template.content.firstElementChild.cloneNode(true);
      body.appendChild(row);
      row.querySelector("input").focus();
    });
  });

  document.addEventListener("click", function (event) {
    const remove = event.target.closest("[data-remove-row]");
    if (remove) {
      remove.closest("tr").remove();
    }
  });
})();
