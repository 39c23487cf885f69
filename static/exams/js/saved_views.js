/* Saved views: named dashboard query strings kept in TATviz's database
   (GET/POST /api/views, DELETE /api/views/<id>). Fills every list marked
   data-saved-views on the page, shows the boxes marked data-saved-views-box
   (they need JavaScript) and exposes TATviz.savedViews.save(name, query). */
(function () {
  "use strict";

  const lists = Array.from(document.querySelectorAll("[data-saved-views]"));

  function note(list, text) {
    const item = document.createElement("li");
    item.className = "hint";
    item.textContent = text;
    list.appendChild(item);
  }

  function fill(list, views, error) {
    list.textContent = "";
    if (error) {
      note(list, error);
      return;
    }
    if (!views.length) {
      note(list, list.dataset.empty || "No saved views yet.");
      return;
    }
    views.forEach(function (view) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = view.url;
      link.textContent = view.name;
      link.dataset.savedView = view.name;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button-link";
      remove.textContent = "Delete";
      remove.setAttribute("aria-label", "Delete the saved view " + view.name);
      remove.addEventListener("click", function () {
        removeView(view);
      });
      item.appendChild(link);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(remove);
      list.appendChild(item);
    });
  }

  async function refresh() {
    const result = await window.TATviz.request("GET", "/api/views");
    const error = result.ok ? "" : result.body.error || "Saved views could not be read.";
    lists.forEach(function (list) {
      fill(list, result.ok ? result.body.views : [], error);
    });
  }

  async function removeView(view) {
    if (!window.confirm("Delete the saved view “" + view.name + "”? The data stay as they are.")) {
      return;
    }
    const result = await window.TATviz.request(
      "DELETE", "/api/views/" + encodeURIComponent(view.id)
    );
    if (!result.ok) window.alert(result.body.error || "The view could not be deleted.");
    await refresh();
  }

  /* Save (or replace, same name) a view; resolves to the API's answer. */
  async function save(name, query) {
    const result = await window.TATviz.request("POST", "/api/views", { name: name, query: query });
    if (result.ok) await refresh();
    return result;
  }

  document.querySelectorAll("[data-saved-views-box]").forEach(function (box) {
    box.hidden = false;
  });
  window.TATviz.savedViews = { refresh: refresh, save: save };
  if (lists.length) refresh();
})();
