/* Data page: switch to a data set, rename one or delete one (after a confirmation). */
(function () {
  "use strict";

  const errorBox = document.getElementById("data-error");

  function fail(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  document.querySelectorAll("[data-select]").forEach(function (button) {
    button.addEventListener("click", async function () {
      const id = encodeURIComponent(button.dataset.select);
      const result = await window.TATviz.request("POST", "/api/datasets/" + id + "/select");
      if (result.ok) {
        window.location.assign("/dashboard");
      } else {
        fail(result.body.error || "Could not switch data set.");
      }
    });
  });

  document.querySelectorAll("[data-rename]").forEach(function (form) {
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const id = encodeURIComponent(form.dataset.rename);
      const name = form.querySelector("input[name=name]").value;
      const result = await window.TATviz.request("PATCH", "/api/datasets/" + id + "/name", { name: name });
      if (result.ok) {
        window.location.reload();
      } else {
        fail(result.body.error || "Could not rename the data set.");
      }
    });
  });

  document.querySelectorAll("[data-delete]").forEach(function (button) {
    button.addEventListener("click", async function () {
      const name = button.dataset.name;
      if (!window.confirm("Delete “" + name + "” and its saved files from this computer? This cannot be undone.")) {
        return;
      }
      const id = encodeURIComponent(button.dataset.delete);
      const result = await window.TATviz.request("DELETE", "/api/datasets/" + id);
      if (result.ok) {
        window.location.reload();
      } else {
        fail(result.body.error || "Could not delete the data set.");
      }
    });
  });
})();
