// Progressive enhancement for the application forms; everything works without it.
(function () {
  "use strict";
  // Dependent questions: shown only when the answer they depend on is chosen.
  function answer(form, name) {
    var inputs = form.querySelectorAll('[name="f-' + name + '"]');
    var values = [];
    inputs.forEach(function (el) {
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      if (el.value) values.push(el.value);
    });
    return values;
  }
  function update(form) {
    form.querySelectorAll("[data-show-field]").forEach(function (box) {
      var source = form.querySelector('[name="f-' + box.dataset.showField + '"]');
      if (!source) return; // depends on another page: the server decided
      var rule = box.dataset.showRule ? JSON.parse(box.dataset.showRule) : null;
      var values = answer(form, box.dataset.showField);
      var show = rule ? rule.some(function (v) { return values.indexOf(String(v)) >= 0; }) : values.length > 0;
      box.classList.toggle("conditional-hidden", !show);
      var note = box.querySelector(".conditional-note");
      if (note) note.hidden = true;
    });
  }
  document.querySelectorAll("form.app-form").forEach(function (form) {
    update(form);
    form.addEventListener("change", function () { update(form); });
  });
  // A double click sends the application once (the server is idempotent anyway).
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) { setTimeout(function () { button.disabled = true; }, 0); }
    });
  });
  // Long code lists (e.g. 200 states): a select you can type into. Without JavaScript, or
  // without the library, it stays a plain select; the server checks the value either way.
  var de = (document.documentElement.lang || "de").indexOf("de") === 0;
  if (window.accessibleAutocomplete && window.accessibleAutocomplete.enhanceSelectElement) {
    document.querySelectorAll("select[data-searchable]").forEach(function (select) {
      var chosen = select.options[select.selectedIndex];
      window.accessibleAutocomplete.enhanceSelectElement({
        selectElement: select,
        defaultValue: chosen && chosen.value ? chosen.textContent : "",
        showAllValues: true,
        confirmOnBlur: true,
        tNoResults: function () { return de ? "Keine Treffer" : "No results found"; },
        tStatusQueryTooShort: function (n) {
          return de ? "Bitte mindestens " + n + " Zeichen eingeben" : "Type in " + n + " or more characters for results";
        },
        tStatusNoResults: function () { return de ? "Keine Treffer" : "No search results"; },
        tStatusSelectedOption: function (s, i, n) {
          return de ? s + " " + (i + 1) + " von " + n + " ist ausgewählt." : s + " " + (i + 1) + " of " + n + " is highlighted";
        },
        tStatusResults: function (n, content) {
          return de ? n + " Treffer. " + content : n + " results available. " + content;
        },
        tAssistiveHint: function () {
          return de ? "Tippen Sie, um die Liste zu filtern; wählen Sie mit den Pfeiltasten."
                    : "When autocomplete results are available use up and down arrows to review and enter to select.";
        }
      });
    });
  }
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
