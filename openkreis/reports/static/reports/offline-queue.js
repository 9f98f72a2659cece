// The Mängelmelder's offline queue: reports made without connection, kept in IndexedDB
// (fields and photos as Blobs) until they can be sent. Used by the page (offline.js) and by
// the service worker (Background Sync), so it touches no DOM. Each item keeps the form's
// idempotency key: sending it twice (page and worker at once, a retry) is still one report.
(function (scope) {
  "use strict";
  var DB = "openkreis-reports";
  var STORE = "outbox";

  function open() {
    return new Promise(function (resolve, reject) {
      var req = scope.indexedDB.open(DB, 1);
      req.onupgradeneeded = function () {
        req.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  // entries: [[name, value], ...]; a value is a string or a File/Blob
  function add(entries) {
    return run("readwrite", function (store) {
      return store.add({ entries: entries, saved: Date.now() });
    });
  }

  function all() {
    return run("readonly", function (store) { return store.getAll(); });
  }

  function remove(id) {
    return run("readwrite", function (store) { store.delete(id); });
  }

  function token(formUrl) {
    // a fresh CSRF token: the one in a cached page may be stale after a login
    return fetch(formUrl, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      return r.text();
    }).then(function (html) {
      var m = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(html);
      if (!m) { throw new Error("no token"); }
      return m[1];
    });
  }

  // one kept report: put back after a change (a refusal, one more failed attempt)
  function update(item) {
    return run("readwrite", function (store) { store.put(item); });
  }

  var ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&#x27;": "'", "&#39;": "'", "&nbsp;": " " };

  function text(html) {
    return html.replace(/<[^>]*>/g, " ").replace(/&[#a-z0-9]+;/gi, function (e) {
      return ENTITIES[e] !== undefined ? ENTITIES[e] : e;
    }).replace(/\s+/g, " ").trim();
  }

  // why the server refused: the form's error summary (German, at the field), else the page's
  // heading; no DOM here (the worker has none), so a plain look at the HTML
  function reason(html) {
    var summary = /<div class="error-summary"[\s\S]*?<ul>([\s\S]*?)<\/ul>/.exec(html);
    if (summary) {
      var items = [];
      summary[1].replace(/<li>([\s\S]*?)<\/li>/g, function (_m, li) { items.push(text(li)); return ""; });
      if (items.length) { return items.join(" "); }
    }
    var heading = /<main[\s\S]*?<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html);
    return heading ? text(heading[1]) : "";
  }

  // resolves to {ok: true} (stored, or stored before: the same key), {refused: true, status,
  // reason} (the server said no: 4xx, or the form came back), or {retry: true} (5xx);
  // rejects without connection
  function sendOne(formUrl, item, csrf) {
    var data = new FormData();
    item.entries.forEach(function (entry) {
      if (entry[0] === "csrfmiddlewaretoken" || entry[0] === "new") { return; }
      if (entry[1] instanceof Blob) {
        data.append(entry[0], entry[1], entry[1].name || "foto.jpg");
      } else {
        data.append(entry[0], entry[1]);
      }
    });
    data.append("csrfmiddlewaretoken", csrf);
    // nobody saw the duplicate proposal offline: send it as a new report
    data.append("new", "1");
    return fetch(formUrl, {
      method: "POST", body: data, credentials: "same-origin", redirect: "follow",
      headers: { "X-CSRFToken": csrf }
    }).then(function (r) {
      if (r.ok && r.url.indexOf("/melden/danke/") !== -1) { return { ok: true }; }
      if (r.status >= 500) { return { retry: true, status: r.status }; }
      return r.text().then(function (html) {
        return { refused: true, status: r.status, reason: reason(html) };
      }, function () { return { refused: true, status: r.status, reason: "" }; });
    });
  }

  var MAX_ATTEMPTS = 5;  // server errors in a row: then it counts as refused (no endless retry)
  var running = null;

  // sends every kept report once; resolves to the number sent. A refused report stays on the
  // device, marked with the server's reason, and is not sent again by itself: the form page
  // shows it to be taken into the form or discarded. Without connection all wait for later.
  function sendAll(formUrl) {
    if (running) { return running; }
    running = all().then(function (items) {
      items = items.filter(function (item) { return !item.refused; });
      if (!items.length) { return 0; }
      return token(formUrl).then(function (csrf) {
        var sent = 0;
        return items.reduce(function (chain, item) {
          return chain.then(function () {
            return sendOne(formUrl, item, csrf).then(function (result) {
              if (result.ok) { sent += 1; return remove(item.id); }
              if (result.retry) {
                item.attempts = (item.attempts || 0) + 1;
                if (item.attempts < MAX_ATTEMPTS) { return update(item); }
              }
              item.refused = { status: result.status, reason: result.reason || "", at: Date.now() };
              return update(item);
            });
          });
        }, Promise.resolve()).then(function () { return sent; });
      });
    }).catch(function () { return 0; }).then(function (n) { running = null; return n; });
    return running;
  }

  function refused() {
    return all().then(function (items) { return items.filter(function (item) { return item.refused; }); });
  }

  scope.okReportsQueue = {
    add: add, all: all, remove: remove, update: update, refused: refused,
    sendAll: sendAll, sendOne: sendOne, token: token, reason: reason
  };
})(self);
