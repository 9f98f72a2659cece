// The Mängelmelder's maps (Leaflet, served from our static files). Progressive enhancement:
// without JavaScript the pages show the list and the form's fields only; the map block is
// `hidden` until this script has Leaflet and shows it.
//
// data-map="list"  — the public list: the reports of the current filter, a popup per marker
//                     with a link to the report; reloads for the visible part of the map.
// data-map="staff" — the back office: the inbox's tab and filter, links to the staff page.
// data-map="pick"  — the form: a tap or click sets the position (hidden lat/lon), the marker
//                     can be dragged, "use the centre of the map" for keyboards, the
//                     phone's position (position.js) moves the marker, and a place search.
//
// Without a tile URL (tests, no network) the map shows the municipality outlines only.
// CSP: no inline script or style; texts and URLs come from data-* attributes.
(function () {
  "use strict";
  var block = document.querySelector("[data-map]");
  if (!block || typeof window.L === "undefined") { return; }
  var L = window.L;
  var mode = block.getAttribute("data-map");
  var el = block.querySelector(".report-map");
  var status = block.querySelector(".map-status");
  function t(name) { return block.getAttribute("data-t-" + name) || ""; }
  function say(text) { if (status) { status.textContent = text; } }

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
    el.classList.add("report-map-plain");
  }
  if (county) { map.fitBounds(county); } else { map.setView([51.8, 11.0], 10); }

  var icon = L.icon({
    iconUrl: block.getAttribute("data-icon"),
    iconRetinaUrl: block.getAttribute("data-icon2x"),
    shadowUrl: block.getAttribute("data-shadow"),
    iconSize: [25, 41], iconAnchor: [12, 41], popupAnchor: [1, -34], shadowSize: [41, 41]
  });

  // the popup's close button says "Close popup" in English; say it in the page's language
  map.on("popupopen", function (event) {
    var close = event.popup.getElement() && event.popup.getElement().querySelector(".leaflet-popup-close-button");
    if (close) { close.setAttribute("aria-label", t("close")); close.setAttribute("title", t("close")); }
    var link = event.popup.getElement() && event.popup.getElement().querySelector("a.map-popup-link");
    if (link) { link.focus(); }
  });

  // municipality outlines: the background without tiles, the chosen one stronger
  var chosenArea = block.getAttribute("data-area");
  var outlinesUrl = block.getAttribute("data-outlines");
  if (outlinesUrl) {
    fetch(outlinesUrl, { headers: { "Accept": "application/geo+json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var chosen = null;
        var layer = L.geoJSON(data, {
          interactive: false,
          style: function (feature) {
            var mine = chosenArea && String(feature.properties.id) === chosenArea;
            return mine ? { color: "#0b4f8a", weight: 3, fillOpacity: 0.08 }
                        : { color: "#5a6570", weight: 1, fillOpacity: 0, dashArray: "4 4" };
          },
          onEachFeature: function (feature, item) {
            if (chosenArea && String(feature.properties.id) === chosenArea) { chosen = item; }
          }
        }).addTo(map);
        layer.bringToBack();
        if (chosen && mode !== "pick") { map.fitBounds(chosen.getBounds()); }
      })
      .catch(function () { /* the map works without outlines */ });
  }

  if (mode === "pick") { pick(); } else { reports(); }

  // -- list and back office: markers of the filtered reports ------------------------------
  function reports() {
    var source = block.getAttribute("data-source");
    var params = block.getAttribute("data-params") || "";
    var useBbox = mode === "list";
    var markers = L.layerGroup().addTo(map);
    var shown = {};  // key -> marker on the map
    var pending = null;
    var first = true;

    function popup(props) {
      var box = document.createElement("div");
      var title = document.createElement("strong");
      title.textContent = props.category;
      box.appendChild(title);
      var place = document.createElement("p");
      place.textContent = props.place;
      box.appendChild(place);
      var state = document.createElement("p");
      state.textContent = props.status + " · " + props.created.split("-").reverse().join(".");
      box.appendChild(state);
      var link = document.createElement("a");
      link.className = "map-popup-link";
      link.href = props.url;
      link.textContent = t("open") + " " + props.id;
      box.appendChild(link);
      return box;
    }

    function bbox() {
      var view = map.getBounds();
      if (county) {
        var w = Math.max(view.getWest(), county.getWest()), e = Math.min(view.getEast(), county.getEast());
        var s = Math.max(view.getSouth(), county.getSouth()), n = Math.min(view.getNorth(), county.getNorth());
        if (w >= e || s >= n) { return null; }
        return [w, s, e, n].map(function (v) { return v.toFixed(5); }).join(",");
      }
      return [view.getWest(), view.getSouth(), view.getEast(), view.getNorth()].map(function (v) { return v.toFixed(5); }).join(",");
    }

    function load() {
      var query = params;
      if (useBbox) {
        var box = bbox();
        if (!box) { markers.clearLayers(); shown = {}; say(t("none")); return; }
        query = (query ? query + "&" : "") + "bbox=" + box;
      }
      if (pending) { pending.abort(); }
      pending = new AbortController();
      fetch(source + (query ? "?" + query : ""), { signal: pending.signal, headers: { "Accept": "application/geo+json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { say(t("failed")); return; }
          // keep the markers that are still there (keyed by report and status): a reload
          // after the map moved (also by an opening popup) must not take the keyboard focus
          // or an open popup away
          var seen = {};
          var points = [];
          data.features.forEach(function (feature) {
            var c = feature.geometry.coordinates;
            var p = feature.properties;
            var label = p.category + ", " + p.place + " (" + p.status + ")";
            var key = p.url + "|" + label + "|" + c[0] + "," + c[1];
            seen[key] = true;
            points.push([c[1], c[0]]);
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
          if (first && !useBbox && points.length) { map.fitBounds(points, { maxZoom: 15, padding: [20, 20] }); }
          first = false;
        })
        .catch(function (error) { if (error && error.name !== "AbortError") { say(t("failed")); } });
    }

    var timer = null;
    if (useBbox) {
      map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(load, 250); });
    }
    load();
  }

  // -- the form: where is it? ------------------------------------------------------------
  function pick() {
    var form = document.getElementById("report-form");
    if (!form) { return; }
    var lat = form.querySelector("input[name=lat]");
    var lon = form.querySelector("input[name=lon]");
    var area = form.querySelector("select[name=area]");
    var marker = null;

    function place(latlng, message, keepFields) {
      if (!marker) {
        marker = L.marker(latlng, { icon: icon, draggable: true, title: t("marker"), alt: t("marker"), keyboard: true }).addTo(map);
        marker.on("dragend", function () { place(marker.getLatLng(), t("moved")); });
      } else {
        marker.setLatLng(latlng);
      }
      if (!keepFields) {
        lat.value = latlng.lat.toFixed(6);
        lon.value = latlng.lng.toFixed(6);
      }
      say(message + " (" + Number(lat.value).toFixed(5) + ", " + Number(lon.value).toFixed(5) + ")");
    }

    if (lat.value && lon.value && isFinite(lat.value) && isFinite(lon.value)) {
      var known = L.latLng(Number(lat.value), Number(lon.value));
      map.setView(known, 16);
      place(known, t("known"), true);
    }
    map.on("click", function (event) { place(event.latlng, t("set")); });
    var centre = block.querySelector(".map-centre");
    if (centre) {
      centre.addEventListener("click", function () { place(map.getCenter(), t("set")); });
    }
    // "Use my current position" (position.js) fills the fields and tells us
    form.addEventListener("reports:position", function (event) {
      var where = L.latLng(event.detail.lat, event.detail.lon);
      map.setView(where, 17);
      place(where, t("phone"), true);
    });
    search(function (item) {
      var where = L.latLng(item.lat, item.lon);
      map.setView(where, item.kind === "municipality" ? 14 : 15);
      if (area && item.area_id) { area.value = String(item.area_id); }
      if (item.inside === false) {
        // outside the (approximate) municipality areas: a position there would be refused
        if (marker) { map.removeLayer(marker); marker = null; }
        lat.value = ""; lon.value = "";
        say(t("chosen-area").replace("{place}", item.label));
        return;
      }
      place(where, t("chosen").replace("{place}", item.label));
    });
  }

  // the place search: GOV.UK's accessible-autocomplete (loaded by base.html) on orte.json
  function search(chosen) {
    var box = block.querySelector(".place-search");
    if (!box || typeof window.accessibleAutocomplete !== "function") { return; }
    var holder = box.querySelector(".place-search-input");
    var source = box.getAttribute("data-source");
    var pending = null, timer = null;
    box.hidden = false;
    window.accessibleAutocomplete({
      element: holder,
      id: "place-q",
      minLength: 2,
      autoselect: false,
      confirmOnBlur: false,
      displayMenu: "overlay",
      showNoOptionsFound: true,
      tNoResults: function () { return t("no-place"); },
      tStatusQueryTooShort: function (n) { return t("too-short").replace("{n}", n); },
      tStatusNoResults: function () { return t("no-place"); },
      tStatusSelectedOption: function (s, i, n) { return s + " (" + (i + 1) + "/" + n + ")"; },
      tStatusResults: function (n, content) { return n === 1 ? content : t("results").replace("{n}", n); },
      tAssistiveHint: function () { return t("hint"); },
      source: function (query, populate) {
        clearTimeout(timer);
        timer = setTimeout(function () {
          if (pending) { pending.abort(); }
          pending = new AbortController();
          fetch(source + "?q=" + encodeURIComponent(query), { signal: pending.signal, headers: { "Accept": "application/json" } })
            .then(function (r) { return r.ok ? r.json() : []; })
            .then(populate)
            .catch(function () { /* aborted or offline: the fields below still work */ });
        }, 200);
      },
      templates: {
        inputValue: function (item) { return item ? item.label : ""; },
        suggestion: function (item) { return typeof item === "string" ? item : item.label; }
      },
      onConfirm: function (item) { if (item && typeof item === "object") { chosen(item); } }
    });
    var input = holder.querySelector("input");
    if (input) {
      input.setAttribute("maxlength", "100");
      input.setAttribute("autocomplete", "off");
      // Enter in the search field chooses a place; it never sends the report
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); }
      });
    }
  }
})();
