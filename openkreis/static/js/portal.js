/* Progressive enhancement: the search field becomes an accessible combobox
   (GOV.UK's accessible-autocomplete). Without JavaScript the plain form works. */
(function () {
  "use strict";
  var lang = document.documentElement.lang || "de";
  var de = lang.indexOf("en") !== 0;
  var texts = de ? {
    noResults: "Keine passende Leistung gefunden",
    tooShort: function (n) { return "Bitte mindestens " + n + " Zeichen eingeben"; },
    results: function (length, content) {
      return length === 1 ? "1 Vorschlag: " + content : length + " Vorschläge";
    },
    selected: function (s, i, n) { return s + " " + (i + 1) + " von " + n + " ist ausgewählt."; },
    noOptions: "Keine Vorschläge"
  } : {
    noResults: "No matching service found",
    tooShort: function (n) { return "Type at least " + n + " characters"; },
    results: function (length, content) {
      return length === 1 ? "1 suggestion: " + content : length + " suggestions";
    },
    selected: function (s, i, n) { return s + " " + (i + 1) + " of " + n + " is selected."; },
    noOptions: "No suggestions"
  };

  function enhance(container) {
    if (typeof window.accessibleAutocomplete !== "function") { return; }
    var input = container.querySelector("input");
    var source = container.getAttribute("data-source");
    var form = container.closest("form");
    var described = input.getAttribute("aria-describedby");
    var initial = input.value;
    var pending = null;
    var latest = [];
    container.removeChild(input);
    window.accessibleAutocomplete({
      element: container,
      id: "q",
      name: "q",
      defaultValue: initial,
      minLength: 2,
      autoselect: false,
      confirmOnBlur: false,
      displayMenu: "overlay",
      showNoOptionsFound: true,
      tNoResults: function () { return texts.noResults; },
      tStatusQueryTooShort: texts.tooShort,
      tStatusNoResults: function () { return texts.noOptions; },
      tStatusSelectedOption: texts.selected,
      tStatusResults: texts.results,
      tAssistiveHint: function () {
        return de ? "Vorschläge mit Pfeiltasten wählen, Eingabe zum Öffnen."
                  : "Use up and down arrows to choose a suggestion, enter to open it.";
      },
      source: function (query, populate) {
        if (pending) { pending.abort(); }
        pending = new AbortController();
        fetch(source + "?q=" + encodeURIComponent(query), { signal: pending.signal, headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) { latest = items; populate(items); })
          .catch(function () { /* aborted or offline: keep the plain search working */ });
      },
      templates: {
        inputValue: function (item) { return item ? item.name : ""; },
        suggestion: function (item) { return typeof item === "string" ? item : item.name; }
      },
      onConfirm: function (item) {
        if (item && item.url) { window.location.href = item.url; }
      }
    });
    var created = container.querySelector("input");
    if (created && described) { created.setAttribute("aria-describedby", described + " " + (created.getAttribute("aria-describedby") || "")); }
    if (created) { created.setAttribute("maxlength", "200"); created.setAttribute("type", "search"); }
    if (form) {
      form.addEventListener("submit", function () {
        if (created && !created.value) { created.value = initial; }
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var nodes = document.querySelectorAll("[data-autocomplete]");
    for (var i = 0; i < nodes.length; i++) { enhance(nodes[i]); }
  });
})();
