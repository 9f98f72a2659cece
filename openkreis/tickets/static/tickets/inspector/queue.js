// The device's outbox for the inspector app and the HarzCard desk: check events or entries
// recorded without connection, kept in IndexedDB until the server took them. Every item has
// a client_id (a UUID made on the device): the server stores it once, a resend is answered
// "duplicate" — so the page, a retry and a second tab may all send, it stays one record.
// The desk also remembers which cards it recorded (a hash of the serial per attraction), to
// refuse a second entry while offline.
(function (scope) {
  "use strict";
  var VERSION = 1;

  function Outbox(name) { this.name = name; }

  Outbox.prototype.open = function () {
    var name = this.name;
    return new Promise(function (resolve, reject) {
      var req = scope.indexedDB.open(name, VERSION);
      req.onupgradeneeded = function () {
        var db = req.result;
        if (!db.objectStoreNames.contains("outbox")) { db.createObjectStore("outbox", { keyPath: "client_id" }); }
        if (!db.objectStoreNames.contains("seen")) { db.createObjectStore("seen", { keyPath: "mark" }); }
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  };

  Outbox.prototype.run = function (store, mode, work) {
    return this.open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode);
        var req = work(tx.objectStore(store));
        tx.oncomplete = function () { db.close(); resolve(req && "result" in req ? req.result : undefined); };
        tx.onerror = function () { db.close(); reject(tx.error); };
        tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  };

  Outbox.prototype.add = function (item) {
    return this.run("outbox", "readwrite", function (s) { return s.put(item); });
  };
  Outbox.prototype.all = function () {
    return this.run("outbox", "readonly", function (s) { return s.getAll(); });
  };
  Outbox.prototype.count = function () {
    return this.run("outbox", "readonly", function (s) { return s.count(); });
  };
  Outbox.prototype.remove = function (ids) {
    return this.run("outbox", "readwrite", function (s) { ids.forEach(function (id) { s.delete(id); }); });
  };
  Outbox.prototype.remember = function (mark, when) {
    return this.run("seen", "readwrite", function (s) { return s.put({ mark: mark, when: when }); });
  };
  Outbox.prototype.seen = function (mark) {
    return this.run("seen", "readonly", function (s) { return s.get(mark); });
  };

  // sends all kept items in one batch: {sent, refused: [{client_id, message}], waiting};
  // rejects without connection (the items stay). `key` is the batch's name in the body.
  Outbox.prototype.send = function (apiUrl, tokenUrl, key) {
    var self = this;
    if (self.running) { return self.running; }
    self.running = self.all().then(function (items) {
      if (!items.length) { return { sent: 0, refused: [], waiting: 0 }; }
      items = items.slice(0, 200);
      return fetch(tokenUrl, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
        if (!r.ok) { throw new Error("token " + r.status); }
        return r.json();
      }).then(function (token) {
        var body = {};
        body[key] = items.map(function (item) { var copy = Object.assign({}, item); delete copy.local; return copy; });
        return fetch(apiUrl, {
          method: "POST", credentials: "same-origin", cache: "no-store",
          headers: { "Content-Type": "application/json", "X-CSRFToken": token.csrf },
          body: JSON.stringify(body)
        });
      }).then(function (r) {
        if (!r.ok) { throw new Error("upload " + r.status); }
        return r.json();
      }).then(function (answer) {
        var done = [], refused = [];
        (answer.results || []).forEach(function (res) {
          if (res.status === "stored" || res.status === "duplicate") { done.push(res.client_id); }
          else if (res.status === "refused") {
            done.push(res.client_id);  // the server said no: kept no longer, shown once
            refused.push(res);
          }
        });
        return self.remove(done).then(function () { return self.count(); }).then(function (waiting) {
          return { sent: done.length - refused.length, refused: refused, waiting: waiting };
        });
      });
    });
    var release = function () { self.running = null; };
    self.running.then(release, release);
    return self.running;
  };

  scope.HatixOutbox = Outbox;
})(typeof self !== "undefined" ? self : this);
