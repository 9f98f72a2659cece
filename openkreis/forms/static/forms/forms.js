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
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
