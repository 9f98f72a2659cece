{% load static %}// HATIX wallet service worker (scope {{ scope|escapejs }}), see openkreis/tickets/wallet.py.
// Each wallet page the guest opens is kept (network first, the cache without connection),
// so the tickets open at a bus stop in a dead spot. Nothing else under the scope is touched.
"use strict";
var CACHE = "{{ cache_name|escapejs }}";
var SCOPE = "{{ scope|escapejs }}";
var ASSETS = [
  "{% static 'css/portal.css' %}",
  "{% static 'tickets/hatix.css' %}",
  "{% static 'tickets/wallet.js' %}",
  "{% static 'tickets/icon-192.png' %}",
  "{% static 'vendor/accessible-autocomplete.min.css' %}",
  "{% static 'vendor/accessible-autocomplete.min.js' %}",
  "{% static 'js/portal.js' %}"
];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(ASSETS);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf("openkreis-hatix-") === 0 && n !== CACHE;
    }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function isWallet(url) {
  // /hatix/t/<access key>/ and its manifest (not the PDF: it is fetched on demand)
  return url.pathname.indexOf(SCOPE) === 0 && /^[A-Za-z0-9_-]{20,43}\/(manifest\.webmanifest)?$/.test(url.pathname.slice(SCOPE.length));
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (isWallet(url)) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
      } else if (response.status === 404 || response.status === 410) {
        caches.open(CACHE).then(function (cache) { cache.delete(url.pathname); });
      }
      return response;
    }).catch(function () {
      return caches.match(url.pathname).then(function (cached) { return cached || Response.error(); });
    }));
    return;
  }
  if (ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.match(request).then(function (cached) {
      return cached || fetch(request);
    }));
  }
});

// the page asks to keep itself when the worker took control after it loaded (first visit)
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "keep" && typeof data.url === "string") {
    var url = new URL(data.url, self.location.origin);
    var port = event.ports && event.ports[0];
    if (url.origin === self.location.origin && isWallet(url)) {
      event.waitUntil(caches.open(CACHE).then(function (cache) {
        return cache.add(url.pathname);
      }).then(function () {
        if (port) { port.postMessage("kept"); }
      }, function () {
        if (port) { port.postMessage("failed"); }
      }));
    }
  }
});
