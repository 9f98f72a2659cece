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
    if (created) {
      created.setAttribute("maxlength", "200");
      created.setAttribute("type", "search");
      created.setAttribute("enterkeyhint", "search");
    }
    // Keys in the field while suggestions are shown. This listener runs first (capture,
    // on an ancestor of the library's own handler):
    // - Enter, or a phone's Go key: the library swallows it when no suggestion is
    //   highlighted. Then it means "search for what I typed": let the form submit (the
    //   library does not see the key). A highlighted suggestion has the focus itself, so
    //   the library still opens it.
    // - Escape: the library closes the suggestions, but a search field also clears itself
    //   (the browser's default for Escape); keep the text. With no suggestions shown,
    //   Escape keeps the browser's meaning (clear the field).
    container.addEventListener("keydown", function (event) {
      if (!created || event.target !== created || event.isComposing || !suggestionsShown(container)) { return; }
      if (event.key === "Enter" || event.keyCode === 13) {
        if (!created.getAttribute("aria-activedescendant")) { event.stopPropagation(); }
      } else if (event.key === "Escape" || event.key === "Esc" || event.keyCode === 27) {
        event.preventDefault();
      }
    }, true);
    if (form) {
      form.addEventListener("submit", function () {
        if (created && !created.value) { created.value = initial; }
      });
    }
  }

  function suggestionsShown(container) {
    var menu = container.querySelector(".autocomplete__menu");
    return !!menu && menu.classList.contains("autocomplete__menu--visible");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var nodes = document.querySelectorAll("[data-autocomplete]");
    for (var i = 0; i < nodes.length; i++) { enhance(nodes[i]); }
  });
})();
