/* Name search that ignores accents and case: "muller" finds "MÜLLER".
 * window.TATviz.search.normalise(text) folds a name for comparing;
 * matches(text, needle) says whether a typed needle is in it. Used by the
 * dashboard's physician list and meant for every searchable list. */
(function () {
  "use strict";

  // Letters NFD does not split into base + mark: fold them by hand.
  const FOLDED = { "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l", "ı": "i", "þ": "th" };

  function normalise(text) {
    return String(text == null ? "" : text)
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[ßæœøđłıþ]/g, function (letter) { return FOLDED[letter]; })
      .replace(/\s+/g, " ")
      .trim();
  }

  function matches(text, needle) {
    const wanted = normalise(needle);
    return wanted === "" || normalise(text).indexOf(wanted) !== -1;
  }

  window.TATviz = window.TATviz || {};
  window.TATviz.search = { normalise: normalise, matches: matches };
})();
