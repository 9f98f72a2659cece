// The inspector app (/hatix/kontrolle/) and the HarzCard desk (/hatix/harzcard/): one script,
// the page's data-mode says which. Verifies offline (verify.js) against the trust and
// revocation lists that the service worker keeps, records check events (inspector) or entries
// (desk) in the outbox (queue.js) and uploads them when there is a connection.
(function () {
  "use strict";
  var root = document.getElementById("hatix-app");
  if (!root || !document.getElementById("code-form")) { return; }  // no attraction: nothing to do
  var T = JSON.parse(document.getElementById("hatix-texts").textContent);
  var mode = root.dataset.mode;  // "inspector" | "desk"
  var outbox = new window.HatixOutbox(root.dataset.db);
  var batchKey = mode === "desk" ? "entries" : "checks";
  var lang = document.documentElement.lang || "de";
  var whenFormat = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
  var dayFormat = new Intl.DateTimeFormat(lang, { dateStyle: "medium" });
  var $ = function (id) { return document.getElementById(id); };
  var verifier = null;
  var STORE = "hatix-" + mode + "-context";

  function say(el, text) { if (el) { el.textContent = text; } }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, name) { return values[name]; });
  }

  // -- trust material ----------------------------------------------------------------------
  function getJson(url) {
    return fetch(url, { credentials: "same-origin", cache: "no-cache" }).then(function (r) {
      if (!r.ok) { throw new Error(url + " " + r.status); }
      return r.json();
    });
  }

  function loadKeys() {
    return Promise.all([getJson(root.dataset.trustUrl), getJson(root.dataset.revocationUrl)]).then(function (docs) {
      verifier = new window.HatixVerify.Verifier(docs[0], docs[1]);
      var count = Object.keys(docs[0].keys || {}).length;
      var updated = docs[1].updated ? whenFormat.format(new Date(docs[1].updated)) : T.never;
      say($("keys-status"), fill(T.keys_loaded, { keys: count, revoked: (docs[1].entries || []).length, updated: updated }));
      $("check-button").disabled = false;
      return verifier;
    }).catch(function () {
      if (!verifier) { say($("keys-status"), T.keys_missing); }
    });
  }

  // -- context (line and stop, or the attraction) -------------------------------------------
  function context() {
    if (mode === "desk") {
      var select = $("ctx-attraction");
      return { attraction: select ? select.value : "" };
    }
    return { line: $("ctx-line").value.trim(), stop: $("ctx-stop").value.trim() };
  }

  function restoreContext() {
    var saved = {};
    try { saved = JSON.parse(localStorage.getItem(STORE) || "{}"); } catch (e) { saved = {}; }
    Object.keys(saved).forEach(function (name) {
      var field = $("ctx-" + name);
      if (field && saved[name]) { field.value = saved[name]; }
    });
    showContext();
  }

  function showContext() {
    var ctx = context();
    localStorage.setItem(STORE, JSON.stringify(ctx));
    if (mode === "inspector") {
      say($("context-summary"), ctx.line && ctx.stop ? fill(T.context, ctx) : T.context_missing);
    }
  }

  // -- result ------------------------------------------------------------------------------
  function show(good, headline, lines) {
    var box = $("result");
    box.hidden = false;
    box.className = "hatix-result " + (good ? "hatix-valid" : "hatix-invalid");
    say($("result-headline"), headline);
    var list = $("result-details");
    list.textContent = "";
    lines.filter(Boolean).forEach(function (line) {
      var li = document.createElement("li");
      li.textContent = line;
      list.appendChild(li);
    });
  }

  function details(payload) {
    if (!payload) { return []; }
    return [
      fill(T.valid_until, { when: whenFormat.format(new Date(payload.valid_until * 1000)) }),
      payload.initials ? fill(T.initials, { initials: payload.initials }) : T.no_initials,
      mode === "desk" ? null : (payload.harzcard ? T.harzcard_yes : T.harzcard_no)
    ];
  }

  function localDay(epoch) {
    var d = new Date(epoch * 1000);
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  }

  function uuid() {
    if (crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = window.HatixVerify.hex(b);
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function quarter(ms) { return new Date(Math.floor(ms / 900000) * 900000).toISOString(); }

  // -- one scan ----------------------------------------------------------------------------
  function check(code) {
    if (!verifier) { show(false, T.invalid, [T.keys_missing]); return Promise.resolve(null); }
    var ctx = context();
    if (mode === "inspector" && !(ctx.line && ctx.stop)) {
      show(false, T.context_first, []);
      $("ctx-line").focus();
      return Promise.resolve(null);
    }
    if (mode === "desk" && !ctx.attraction) { show(false, T.no_attraction, []); return Promise.resolve(null); }
    var started = Date.now();
    return verifier.verify(code).then(function (result) {
      return mode === "desk" ? recordEntry(code, result, ctx, started) : recordCheck(result, ctx, started);
    }).then(function (result) { refreshCount(); trySend(); return result; });
  }

  function recordCheck(result, ctx, now) {
    var reason = T.reasons[result.reason] || T.reasons.malformed;
    show(result.ok, result.ok ? T.valid : T.invalid, [result.ok ? null : reason].concat(
      result.ok || result.reason === "expired" || result.reason === "revoked" || result.reason === "not_yet_valid"
        ? details(result.payload) : []));
    var signed = result.payload && result.reason !== "bad_payload";
    return outbox.add({
      client_id: uuid(),
      line: ctx.line,
      stop: ctx.stop,
      checked_at: quarter(now),
      outcome: window.HatixVerify.outcome(result),
      valid_until: signed ? localDay(result.payload.valid_until) : null
    }).then(function () { return result; });
  }

  function recordEntry(code, result, ctx, now) {
    if (!result.ok) {
      show(false, T.invalid, [T.reasons[result.reason] || T.reasons.malformed]);
      return Promise.resolve(result);
    }
    if (!result.payload.harzcard) {
      show(false, T.invalid, [T.no_harzcard].concat(details(result.payload)));
      return Promise.resolve(result);
    }
    return window.HatixVerify.serialHash(result.payload.serial).then(function (hash) {
      var mark = ctx.attraction + ":" + hash;
      return outbox.seen(mark).then(function (earlier) {
        if (earlier) {
          show(false, T.already, [fill(T.already_on, { day: dayFormat.format(new Date(earlier.when)) })]);
          result.already = true;
          return result;
        }
        return outbox.add({
          client_id: uuid(), attraction: ctx.attraction, code: code.trim(),
          entered_at: new Date(now).toISOString()
        }).then(function () { return outbox.remember(mark, now); }).then(function () {
          show(true, T.entry_recorded, details(result.payload));
          return result;
        });
      });
    });
  }

  // -- the outbox --------------------------------------------------------------------------
  function refreshCount() {
    return outbox.count().then(function (n) {
      say($("queue-status"), n === 0 ? T.queue_empty : fill(n === 1 ? T.queue_one : T.queue_many, { n: n }));
      root.dataset.waiting = String(n);
      return n;
    });
  }

  function trySend() {
    if (!navigator.onLine) { return Promise.resolve(); }
    return outbox.send(root.dataset.apiUrl, root.dataset.tokenUrl, batchKey).then(function (answer) {
      answer.refused.forEach(function (res) {
        var li = document.createElement("li");
        li.textContent = res.message;
        $("refused-list").appendChild(li);
        $("refused").hidden = false;
      });
      return refreshCount();
    }).catch(function () { return refreshCount(); });
  }

  // -- wiring ------------------------------------------------------------------------------
  $("code-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var field = $("code");
    var code = field.value.trim();
    if (!code) { field.focus(); return; }
    check(code).then(function () { field.value = ""; field.focus(); });
  });
  ["ctx-line", "ctx-stop", "ctx-attraction"].forEach(function (id) {
    if ($(id)) { $(id).addEventListener("change", showContext); }
  });
  $("sync-button").addEventListener("click", function () { trySend(); });
  window.addEventListener("online", function () { loadKeys(); trySend(); });

  var scanner = null;
  var startButton = $("camera-start"), stopButton = $("camera-stop");
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    startButton.hidden = false;
    startButton.addEventListener("click", function () {
      scanner = scanner || new window.HatixScanner($("camera"), function (text) { check(text); });
      scanner.start().then(function (how) {
        $("camera").hidden = false; stopButton.hidden = false; startButton.hidden = true;
        root.dataset.scanner = how;
        say($("camera-status"), T.camera_on);
      }).catch(function () { say($("camera-status"), T.camera_failed); });
    });
    stopButton.addEventListener("click", function () {
      if (scanner) { scanner.stop(); }
      $("camera").hidden = true; stopButton.hidden = true; startButton.hidden = false;
      say($("camera-status"), "");
    });
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.swUrl, { scope: root.dataset.scope }).catch(function () {});
  }
  restoreContext();
  window.hatix = {
    ready: loadKeys().then(function () { root.dataset.ready = "1"; return refreshCount(); }).then(trySend),
    verify: function (code, now) { return verifier.verify(code, now); },
    check: check,
    send: trySend,
    outbox: outbox
  };
})();
