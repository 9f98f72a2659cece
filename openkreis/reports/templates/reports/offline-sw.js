{% load static %}// Mängelmelder service worker (scope /maengelmelder/), see openkreis/reports/offline.py.
"use strict";
var CACHE = "{{ cache_name|escapejs }}";
var FORM_URL = "{{ form_url|escapejs }}";
var ASSETS = [
  "{% static 'reports/reports.css' %}",
  "{% static 'reports/position.js' %}",
  "{% static 'reports/offline.js' %}",
  "{% static 'reports/offline-queue.js' %}"
];
importScripts("{% static 'reports/offline-queue.js' %}");

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(ASSETS.concat([FORM_URL]));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf("openkreis-reports-") === 0 && n !== CACHE;
    }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname === FORM_URL && request.mode === "navigate") {
    // network first: a fresh form (new key, fresh token); the cached one only without net
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !url.search) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(FORM_URL, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(FORM_URL).then(function (cached) { return cached || Response.error(); });
    }));
    return;
  }
  if (ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.match(request).then(function (cached) {
      return cached || fetch(request);
    }));
  }
});

self.addEventListener("sync", function (event) {
  if (event.tag === "openkreis-reports") {
    event.waitUntil(self.okReportsQueue.sendAll(FORM_URL));
  }
});
