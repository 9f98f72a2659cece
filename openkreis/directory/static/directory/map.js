// Harz-Kompass (static/directory/map.js). Progressive enhancement: without JavaScript the
// pages are GET forms and lists; this script adds
//  * "Near me" ([data-near-me] in a [data-kompass-search] form): the browser's position goes
//    into the form's hidden lat/lon and the form is sent; without a position the municipality
//    select stays the way;
//  * the map ([data-kompass-map], hidden until Leaflet is there):
//      "list"  — markers of the list's filter (GeoJSON, reloaded for the visible part of the
//                map), a popup per marker with a link to the place; the list is the text
//                alternative of the same places;
//      "place" — one marker on a place's page.
// Markers are keyboard-operable (Leaflet's markers are focusable; Enter opens the popup,
// whose link gets the focus), texts come from data-t-* attributes (German), markers that
// stay in view are kept on a reload (focus and an open popup stay). CSP: no inline code.
(function () {
  "use strict";

  // -- near me -------------------------------------------------------------------------
  Array.prototype.forEach.call(document.querySelectorAll("[data-kompass-search]"), function (form) {
    var button = form.querySelector("[data-near-me]");
    var status = form.querySelector("[data-position-status]");
    var lat = form.querySelector("[data-position=lat]");
    var lon = form.querySelector("[data-position=lon]");
    if (!button || !lat || !lon || !("geolocation" in navigator)) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      if (status) { status.textContent = button.getAttribute("data-t-asking"); }
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(5);
        lon.value = pos.coords.longitude.toFixed(5);
        // near me: the municipality would narrow the list to one place's area
        var municipality = form.querySelector("select[name=gemeinde]");
        if (municipality) { municipality.value = ""; }
        form.submit();
      }, function () {
        if (status) { status.textContent = button.getAttribute("data-t-denied"); }
      }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 });
    });
  });

  // -- the map -------------------------------------------------------------------------
  var block = document.querySelector("[data-kompass-map]");
  if (!block || typeof window.L === "undefined") { return; }
  var L = window.L;
  var mode = block.getAttribute("data-kompass-map");
  var el = block.querySelector(".kompass-map");
  var statusLine = block.querySelector(".map-status");
  function t(name) { return block.getAttribute("data-t-" + name) || ""; }
  function say(text) { if (statusLine) { statusLine.textContent = text; } }

  block.hidden = false;
  var bounds = (block.getAttribute("data-bounds") || "").split(",").map(Number);
  var county = bounds.length === 4 && bounds.every(isFinite)
    ? L.latLngBounds([bounds[1], bounds[0]], [bounds[3], bounds[2]]) : null;
  var map = L.map(el, { zoomControl: false, minZoom: 8, maxZoom: 18 });
  L.control.zoom({ zoomInTitle: t("zoom-in"), zoomOutTitle: t("zoom-out") }).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  var tiles = block.getAttribute("data-tiles");
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19, attribution: block.getAttribute("data-attribution") || "" }).addTo(map);
  } else {
    el.classList.add("kompass-map-plain");
  }
  var icon = L.icon({
    iconUrl: block.getAttribute("data-icon"),
    iconRetinaUrl: block.getAttribute("data-icon2x"),
    shadowUrl: block.getAttribute("data-shadow"),
    iconSize: [25, 41], iconAnchor: [12, 41], popupAnchor: [1, -34], shadowSize: [41, 41]
  });
  map.on("popupopen", function (event) {
    var box = event.popup.getElement();
    var close = box && box.querySelector(".leaflet-popup-close-button");
    if (close) { close.setAttribute("aria-label", t("close")); close.setAttribute("title", t("close")); }
    var link = box && box.querySelector("a.map-popup-link");
    if (link) { link.focus(); }
  });

  var pLat = parseFloat(block.getAttribute("data-lat"));
  var pLon = parseFloat(block.getAttribute("data-lon"));
  var point = isFinite(pLat) && isFinite(pLon) ? L.latLng(pLat, pLon) : null;

  if (mode === "place") {
    map.setView(point || (county ? county.getCenter() : [51.8, 11.0]), point ? 16 : 10);
    if (point) {
      var name = block.getAttribute("data-name") || "";
      L.marker(point, { icon: icon, title: name, alt: name, keyboard: true }).addTo(map);
    }
    return;
  }

  if (point) { map.setView(point, 13); } else if (county) { map.fitBounds(county); } else { map.setView([51.8, 11.0], 10); }

  var source = block.getAttribute("data-source");
  var params = block.getAttribute("data-params") || "";
  var markers = L.layerGroup().addTo(map);
  var shown = {};
  var pending = null;
  var timer = null;

  function popup(p) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = p.name;
    box.appendChild(title);
    var kind = document.createElement("p");
    kind.textContent = p.category + (p.address ? " · " + p.address : "");
    box.appendChild(kind);
    if (p.open !== null && p.open !== undefined) {
      var now = document.createElement("p");
      now.textContent = p.open ? t("is-open") : t("is-closed");
      box.appendChild(now);
    }
    if (p.wheelchair === "yes" || p.wheelchair === "limited") {
      var wheel = document.createElement("p");
      wheel.textContent = "\u267F " + p.wheelchair_label;
      box.appendChild(wheel);
    }
    var link = document.createElement("a");
    link.className = "map-popup-link";
    link.href = p.url;
    link.textContent = t("open-place");
    box.appendChild(link);
    return box;
  }

  function bbox() {
    var view = map.getBounds();
    return [view.getWest(), view.getSouth(), view.getEast(), view.getNorth()]
      .map(function (v) { return v.toFixed(5); }).join(",");
  }

  function load() {
    var query = (params ? params + "&" : "") + "bbox=" + bbox();
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(source + "?" + query, { signal: pending.signal, headers: { "Accept": "application/geo+json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { say(t("failed")); return; }
        var seen = {};
        data.features.forEach(function (feature) {
          var c = feature.geometry.coordinates;
          var p = feature.properties;
          var label = p.name + ", " + p.category;
          var key = p.url + "|" + label + "|" + p.open + "|" + c[0] + "," + c[1];
          seen[key] = true;
          if (shown[key]) { return; }
          var marker = L.marker([c[1], c[0]], { icon: icon, title: label, alt: label, keyboard: true });
          marker.bindPopup(popup(p));
          marker.addTo(markers);
          shown[key] = marker;
        });
        Object.keys(shown).forEach(function (key) {
          if (!seen[key]) { markers.removeLayer(shown[key]); delete shown[key]; }
        });
        var text = data.count === 0 ? t("none") : data.count === 1 ? t("one") : t("count").replace("{n}", data.count);
        if (data.truncated) { text += " " + t("truncated"); }
        say(text);
      })
      .catch(function (error) { if (error && error.name !== "AbortError") { say(t("failed")); } });
  }

  map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(load, 250); });
  load();
})();
