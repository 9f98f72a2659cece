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
      return r.ok && r.url.indexOf("/melden/danke/") !== -1;
    });
  }

  var running = null;

  // sends every kept report once; resolves to the number sent (failures stay for later)
  function sendAll(formUrl) {
    if (running) { return running; }
    running = all().then(function (items) {
      if (!items.length) { return 0; }
      return token(formUrl).then(function (csrf) {
        var sent = 0;
        return items.reduce(function (chain, item) {
          return chain.then(function () {
            return sendOne(formUrl, item, csrf).then(function (ok) {
              if (ok) { sent += 1; return remove(item.id); }
            });
          });
        }, Promise.resolve()).then(function () { return sent; });
      });
    }).catch(function () { return 0; }).then(function (n) { running = null; return n; });
    return running;
  }

  scope.okReportsQueue = { add: add, all: all, remove: remove, sendAll: sendAll, sendOne: sendOne, token: token };
})(self);
