/* Settings page: add and remove rows, save each section through
   POST /api/settings and show the server's message beside the section. */
(function () {
  "use strict";

  function durationOf(hours, minutes) {
    // Hours and minutes as typed; an empty box counts as zero.
    return Number(hours.value || 0) * 60 + Number(minutes.value || 0);
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
      // Each option's value is a JSON list of the values it stands for.
      row.querySelectorAll("select:not([name=unit])").forEach(function (select) {
        if (select.value) rule[select.name] = JSON.parse(select.value);
      });
      if (row.querySelector("[name=unit]").value === "working_days") {
        rule.unit = "working_days";
        rule.days = Number(row.querySelector("[name=days]").value || 0);
      } else {
        rule.minutes = durationOf(row.querySelector("[name=hours]"), row.querySelector("[name=minutes]"));
      }
      return rule;
    });
    // The default: minutes, or {unit: "working_days", days} like a rule.
    const fallback = form.querySelector("#default-unit").value === "working_days"
      ? { unit: "working_days", days: Number(form.querySelector("#default-days").value || 0) }
      : durationOf(form.querySelector("#default-hours"), form.querySelector("#default-minutes"));
    return { rules: rules, default: fallback };
  }

  function renumber(body) {
    // Rule numbers follow the order: the examples name rules by number.
    body.querySelectorAll(".rule-number").forEach(function (cell, index) {
      cell.textContent = String(index + 1);
    });
  }

  async function refreshExamples() {
    // The examples are worked out by the server from the saved rules.
    const box = document.getElementById("target-examples");
    if (!box) return;
    const response = await fetch(window.location.pathname, { credentials: "same-origin" });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById("target-examples");
    if (fresh) box.replaceChildren(...fresh.childNodes);
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
        if (key === "targets") refreshExamples();
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

  document.addEventListener("change", function (event) {
    // A target's unit shows its own boxes: hours and minutes, or working days.
    if (!event.target.matches(".target-row [name=unit], #default-unit")) return;
    const cell = event.target.closest("td, .target-default");
    cell.querySelectorAll("[data-unit-part]").forEach(function (part) {
      part.hidden = part.dataset.unitPart !== event.target.value;
    });
  });

  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.addEventListener("click", function () {
      const template = document.getElementById(button.dataset.addRow);
      const body = document.getElementById(button.dataset.target);
      const row = template.content.firstElementChild.cloneNode(true);
      body.appendChild(row);
      renumber(body);
      row.querySelector("input, select").focus();
    });
  });

  document.addEventListener("click", function (event) {
    const remove = event.target.closest("[data-remove-row]");
    if (remove) {
      const body = remove.closest("tbody");
      const row = remove.closest("tr");
      if (body.hasAttribute("data-removed-until-saved")) {
        // The server may refuse to let the row go (an interval that target
        // rules judge): hidden until saved, so a refusal can bring it back.
        row.hidden = true;
        row.dataset.removed = "";
      } else {
        row.remove();
      }
      renumber(body);
    }
    const move = event.target.closest("[data-move-row]");
    if (move) {
      const row = move.closest("tr");
      const other = move.dataset.moveRow === "up" ? row.previousElementSibling : row.nextElementSibling;
      if (other) {
        if (move.dataset.moveRow === "up") other.before(row); else other.after(row);
        renumber(row.parentElement);
        move.focus();
        row.closest("form").querySelector("[data-saved]").hidden = true;
      }
    }
  });
})();
