// The route page's map (Leaflet from our static files): the track as a line (a gap between two
// GPX segments stays a gap), start and finish marked, the view fitted to the track.
// Progressive enhancement: without JavaScript the block stays hidden; the figures, the profile
// table and the lists say everything the map shows. CSP: no inline script or style.
(function () {
  "use strict";
  var block = document.querySelector(".route-map-block");
  if (!block || typeof window.L === "undefined") { return; }
  var L = window.L;
  var track;
  try { track = JSON.parse(block.getAttribute("data-track") || "[]"); } catch (e) { return; }
  if (!track.length) { return; }
  function t(name) { return block.getAttribute("data-t-" + name) || ""; }

  // [lat, lon, metres]: a new part where the metres stay while the position jumps
  var parts = [[]];
  track.forEach(function (p, i) {
    var last = i ? track[i - 1] : null;
    if (last && p[2] === last[2] && (p[0] !== last[0] || p[1] !== last[1])) { parts.push([]); }
    parts[parts.length - 1].push([p[0], p[1]]);
  });

  block.hidden = false;
  var el = block.querySelector(".route-map");
  var map = L.map(el, { zoomControl: false, scrollWheelZoom: false, maxZoom: 18 });
  L.control.zoom({ zoomInTitle: t("zoom-in"), zoomOutTitle: t("zoom-out") }).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  var tiles = block.getAttribute("data-tiles");
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19, attribution: block.getAttribute("data-attribution") || "" }).addTo(map);
  }
  var line = L.polyline(parts, { color: "#0b4f8a", weight: 5, opacity: 0.9, interactive: false }).addTo(map);
  var first = track[0], last = track[track.length - 1];
  L.circleMarker([first[0], first[1]], { radius: 8, color: "#0b5a2a", fillColor: "#ffffff", fillOpacity: 1, weight: 4, interactive: false })
    .bindTooltip(t("start"), { permanent: false }).addTo(map);
  L.circleMarker([last[0], last[1]], { radius: 8, color: "#8a0f1a", fillColor: "#8a0f1a", fillOpacity: 1, weight: 3, interactive: false })
    .bindTooltip(t("end"), { permanent: false }).addTo(map);
  map.fitBounds(line.getBounds(), { padding: [16, 16] });
})();
