/* The filter bar of every page (templates/exams/_filters.html): searchable
   name lists that Tab passes in one step, date presets, and links that
   keep the filters when moving between pages. */
(function () {
  "use strict";

  const bar = document.querySelector("[data-filter-bar]");
  if (!bar) return;
  const form = bar.closest("form");
  const params = (bar.dataset.filterParams || "").split(" ");

  // Long lists: a search box narrows them; the list is one Tab stop and the
  // arrow keys move inside it, so 2,000 names cost one key press to pass.
  bar.querySelectorAll(".list-search").forEach(function (search) {
    const list = document.getElementById(search.dataset.list);
    if (!list) return;
    search.hidden = false;
    search.addEventListener("input", function () {
      // Accents and case ignored (search.js): "muller" finds "MÜLLER".
      const needle = search.value.trim();
      list.querySelectorAll("label").forEach(function (label) {
        const checked = label.querySelector("input").checked;
        label.hidden = needle !== "" && !checked && !window.TATviz.search.matches(label.textContent, needle);
      });
      rove(list);
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        const first = visible(list)[0];
        if (first) first.focus();
      }
    });
    rove(list);
    list.addEventListener("keydown", function (event) {
      const boxes = visible(list);
      const at = boxes.indexOf(document.activeElement);
      if (at === -1) return;
      let next = null;
      if (event.key === "ArrowDown") next = boxes[Math.min(at + 1, boxes.length - 1)];
      if (event.key === "ArrowUp") next = at === 0 ? search : boxes[at - 1];
      if (event.key === "Home") next = boxes[0];
      if (event.key === "End") next = boxes[boxes.length - 1];
      if (!next) return;
      event.preventDefault();
      boxes.forEach(function (box) { box.tabIndex = -1; });
      if (next !== search) next.tabIndex = 0;
      next.focus();
    });
  });

  function visible(list) {
    return Array.prototype.filter.call(list.querySelectorAll("input"), function (box) {
      return !box.closest("label").hidden;
    });
  }

  function rove(list) {
    // One checkbox (the first ticked, else the first shown) takes Tab.
    const boxes = visible(list);
    list.querySelectorAll("input").forEach(function (box) { box.tabIndex = -1; });
    const target = boxes.filter(function (b) { return b.checked; })[0] || boxes[0];
    if (target) target.tabIndex = 0;
  }

  function updateCounts() {
    bar.querySelectorAll("[data-dimension]").forEach(function (fieldset) {
      const count = document.getElementById(fieldset.dataset.dimension + "-count");
      if (!count) return;
      const n = fieldset.querySelectorAll("input[type=checkbox]:checked").length;
      count.textContent = n ? n + " selected" : "None ticked = all";
    });
  }
  bar.addEventListener("change", updateCounts);

  bar.querySelectorAll(".presets button").forEach(function (button) {
    button.addEventListener("click", function () {
      form.elements.start.value = button.dataset.start;
      form.elements.end.value = button.dataset.end;
      if (form.id === "filter-bar") {
        form.requestSubmit();
      } else {
        // The dashboard redraws on any change of its form.
        form.elements.start.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  });

  // Links between pages carry the filters of the page as it is now (the
  // dashboard changes its URL without reloading).
  document.addEventListener("click", function (event) {
    const link = event.target.closest("a[data-keep-filters]");
    if (!link) return;
    const current = new URLSearchParams(window.location.search);
    const target = new URL(link.href, window.location.href);
    const kept = new URLSearchParams();
    for (const [name, value] of current.entries()) {
      if (params.indexOf(name) !== -1 && value !== "") kept.append(name, value);
    }
    target.search = kept.toString();
    link.href = target.pathname + target.search;
  });
})();
