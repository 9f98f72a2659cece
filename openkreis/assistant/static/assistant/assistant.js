/* Frag den Landkreis, progressive enhancement: send the question with fetch, append the
   answer to the live region (role="log", aria-live="polite" reads it out), keep the focus
   in the question field so the next question can be typed at once. Without JavaScript the
   same form posts and the page reloads at #antwort. */
(function () {
  "use strict";
  function init() {
    var form = document.getElementById("frage-form");
    var log = document.getElementById("gespraech");
    if (!form || !log || !window.fetch) { return; }
    var input = form.querySelector("input[name=frage]");
    function send(text, event) {
      if (!text || !text.trim()) { return; }
      event.preventDefault();
      var data = new FormData(form);
      data.set("frage", text);
      var buttons = document.querySelectorAll("#gespraech button, #frage-form button");
      buttons.forEach(function (b) { b.disabled = true; });
      fetch(form.action, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (result) {
        if (!result.ok || !result.body.html) { form.submit(); return; }
        var empty = log.querySelector(".assistant-empty");
        if (empty) { empty.remove(); }
        var old = log.querySelectorAll(".assistant-choices");
        old.forEach(function (node) { node.remove(); });
        var previous = log.querySelector("#antwort");
        if (previous) { previous.removeAttribute("id"); previous.removeAttribute("tabindex"); }
        log.insertAdjacentHTML("beforeend", result.body.html);
        input.value = "";
        input.focus();
        var answer = document.getElementById("antwort");
        if (answer && answer.scrollIntoView) { answer.scrollIntoView({ block: "nearest" }); }
      }).catch(function () { form.submit(); }).finally(function () {
        document.querySelectorAll("#gespraech button, #frage-form button").forEach(function (b) { b.disabled = false; });
      });
    }
    form.addEventListener("submit", function (event) { send(input.value, event); });
    log.addEventListener("click", function (event) {
      var button = event.target.closest(".assistant-choices button");
      if (button) { send(button.value, event); }
    });
    if (window.location.hash === "#antwort") {
      var answer = document.getElementById("antwort");
      if (answer) { answer.focus(); }
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
}());
