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

  // reports the server refused (outside the county, too many, invalid): shown with the
  // server's reason until the person takes one into the form to fix it, or discards it
  var refusedBox = document.createElement("div");
  refusedBox.id = "offline-refused";
  refusedBox.hidden = true;
  status.parentNode.insertBefore(refusedBox, status.nextSibling);

  function text(name) { return status.getAttribute("data-" + name) || ""; }

  function field(item, name) {
    var found = item.entries.filter(function (e) { return e[0] === name && !(e[1] instanceof Blob); })[0];
    return found ? String(found[1]) : "";
  }

  function takeIntoForm(item) {
    item.entries.forEach(function (entry) {
      var name = entry[0];
      if (entry[1] instanceof Blob || name === "key" || name === "csrfmiddlewaretoken" || name === "new") { return; }
      var input = form.elements.namedItem(name);
      if (input && "value" in input) { input.value = entry[1]; }
    });
    var photos = item.entries.filter(function (e) { return e[1] instanceof Blob; });
    var fileInput = form.querySelector("input[type=file]");
    var photosBack = false;
    if (photos.length && fileInput && typeof DataTransfer === "function") {
      try {
        var dt = new DataTransfer();
        photos.forEach(function (e) { dt.items.add(new File([e[1]], e[1].name || "foto.jpg", { type: e[1].type || "image/jpeg" })); });
        fileInput.files = dt.files;
        photosBack = true;
      } catch (e) { photosBack = false; }
    }
    if (keyField) { keyField.value = freshKey(); }
    return queue.remove(item.id).then(function () {
      say(text("taken") + (photos.length && !photosBack ? " " + text("photos-again") : ""));
      showRefused();
      var first = form.querySelector(".field-error input, .field-error select, .field-error textarea, select, input:not([type=hidden]), textarea");
      if (first) { first.focus(); }
    });
  }

  function button(label, secondary, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = secondary ? "button button-secondary" : "button";
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function showRefused() {
    return queue.refused().then(function (items) {
      refusedBox.textContent = "";
      refusedBox.hidden = !items.length;
      // "saved, will be sent" is no longer true for a refused one
      if (items.length && status.textContent === text("waiting")) { status.hidden = true; }
      items.forEach(function (item) {
        var box = document.createElement("div");
        box.className = "banner banner-error offline-refused";
        box.setAttribute("role", "alert");
        var head = document.createElement("p");
        var strong = document.createElement("strong");
        strong.textContent = text("refused");
        head.appendChild(strong);
        head.appendChild(document.createTextNode(" " + (item.refused.reason || text("refused-unknown"))));
        box.appendChild(head);
        var what = document.createElement("p");
        var description = field(item, "description");
        what.textContent = text("refused-report") + " " + new Date(item.saved).toLocaleString(document.documentElement.lang || undefined) +
          (description ? ": „" + (description.length > 80 ? description.slice(0, 80) + "…" : description) + "“" : "");
        box.appendChild(what);
        var actions = document.createElement("p");
        actions.className = "actions";
        actions.appendChild(button(text("take"), false, function () { takeIntoForm(item); }));
        actions.appendChild(document.createTextNode(" "));
        actions.appendChild(button(text("discard"), true, function () {
          queue.remove(item.id).then(function () { say(text("discarded")); showRefused(); });
        }));
        box.appendChild(actions);
        refusedBox.appendChild(box);
      });
    }).catch(function () {});
  }

  function send() {
    return queue.sendAll(formUrl).then(function (n) {
      if (n > 0) { say(status.getAttribute("data-sent")); }
      return showRefused();
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
  if (navigator.onLine !== false) { send(); } else { showRefused(); }  // the next visit sends what is left
})();
