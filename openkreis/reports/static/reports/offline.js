// Progressive enhancement of the Mängelmelder form for dead spots: registers the service
// worker (scope /maengelmelder/) and, when the form is sent without connection, keeps the
// report on this device and sends it once the connection returns. Without JavaScript, or
// in a browser without service workers/IndexedDB, the form works as before.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  var status = document.getElementById("offline-status");
  var queue = window.okReportsQueue;
  if (!form || !status || !queue || !("indexedDB" in window)) { return; }
  var formUrl = form.getAttribute("data-form-url");
  var USED = "openkreis-reports-used-keys";

  function say(text) { status.hidden = false; status.textContent = text; }

  function usedKeys() {
    try { return JSON.parse(localStorage.getItem(USED) || "[]"); } catch (e) { return []; }
  }

  function freshKey() {
    var bytes = new Uint8Array(24);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  var keyField = form.querySelector("input[name=key]");
  // a form page from the cache carries a key that may have been used: take a new one
  if (keyField && usedKeys().indexOf(keyField.value) !== -1) { keyField.value = freshKey(); }

  function send() {
    return queue.sendAll(formUrl).then(function (n) {
      if (n > 0) { say(status.getAttribute("data-sent")); }
    });
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(form.getAttribute("data-worker"), { scope: form.getAttribute("data-scope") }).catch(function () {});
  }

  form.addEventListener("submit", function (event) {
    if (navigator.onLine !== false) { return; }
    event.preventDefault();
    var entries = [];
    new FormData(form).forEach(function (value, name) {
      if (value instanceof File && !value.size) { return; }
      entries.push([name, value]);
    });
    queue.add(entries).then(function () {
      var keys = usedKeys();
      if (keyField) { keys.push(keyField.value); }
      try { localStorage.setItem(USED, JSON.stringify(keys.slice(-50))); } catch (e) { /* full */ }
      form.reset();
      if (keyField) { keyField.value = freshKey(); }
      say(status.getAttribute("data-waiting"));
      status.focus();
      if ("serviceWorker" in navigator && "SyncManager" in window) {
        navigator.serviceWorker.ready.then(function (reg) { return reg.sync.register("openkreis-reports"); }).catch(function () {});
      }
    }).catch(function () {
      say(status.getAttribute("data-failed"));
    });
  });

  window.addEventListener("online", send);
  if (navigator.onLine !== false) { send(); }  // the next visit sends what is left
})();
