/* The proposals' small map (Leaflet): "show" puts a marker on the proposal's place; "pick"
   lets the resident tap a place and fills the form's hidden lat/lon fields. Without
   JavaScript the block stays hidden: the municipality and the text carry the place. */
(function () {
  "use strict";
  if (!window.L) { return; }
  document.querySelectorAll("[data-map]").forEach(function (block) {
    var mode = block.dataset.map;
    var box = block.querySelector(".proposal-map");
    var status = block.querySelector(".map-status");
    var lat = parseFloat(block.dataset.lat);
    var lon = parseFloat(block.dataset.lon);
    var has = !isNaN(lat) && !isNaN(lon);
    block.hidden = false;
    var map = L.map(box, { scrollWheelZoom: false });
    L.tileLayer(block.dataset.tiles, { attribution: block.dataset.attribution, maxZoom: 19 }).addTo(map);
    var icon = L.icon({
      iconUrl: block.dataset.icon, iconRetinaUrl: block.dataset.icon2x, shadowUrl: block.dataset.shadow,
      iconSize: [25, 41], iconAnchor: [12, 41], shadowSize: [41, 41]
    });
    // the county's middle (Harz) when nothing is chosen yet
    map.setView(has ? [lat, lon] : [51.8, 10.95], has ? 16 : 10);
    var marker = null;
    if (has) { marker = L.marker([lat, lon], { icon: icon, draggable: mode === "pick", keyboard: false }).addTo(map); }
    if (mode !== "pick") { return; }
    var form = block.closest("form");
    var latInput = form.querySelector("input[name=lat]");
    var lonInput = form.querySelector("input[name=lon]");
    var clear = block.querySelector(".map-clear");
    function set(latlng, message) {
      latInput.value = latlng.lat.toFixed(6);
      lonInput.value = latlng.lng.toFixed(6);
      clear.hidden = false;
      status.textContent = message;
    }
    function place(latlng) {
      if (marker) { marker.setLatLng(latlng); } else {
        marker = L.marker(latlng, { icon: icon, draggable: true, keyboard: false }).addTo(map);
        marker.on("dragend", function () { set(marker.getLatLng(), block.dataset.tSet); });
      }
      set(latlng, block.dataset.tSet);
    }
    if (marker) {
      clear.hidden = false;
      marker.on("dragend", function () { set(marker.getLatLng(), block.dataset.tSet); });
    }
    map.on("click", function (event) { place(event.latlng); });
    clear.addEventListener("click", function () {
      if (marker) { map.removeLayer(marker); marker = null; }
      latInput.value = ""; lonInput.value = "";
      clear.hidden = true;
      status.textContent = block.dataset.tCleared;
    });
  });
})();
