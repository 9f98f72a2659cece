/* The questionnaire's enhancements (participation/vote): conditional questions hide and show
   as answers change (without JavaScript all are shown with their condition and the server
   drops what was not asked), and a point question gets a map that fills its lat/lon fields. */
(function () {
  "use strict";
  var form = document.getElementById("questionnaire");
  if (!form) { return; }
  document.documentElement.classList.add("js");

  // the error summary: focused when the page comes back, its links move the focus to the
  // question's first input (a fragment link alone only scrolls)
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var target = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!target) { return; }
      event.preventDefault();
      var block = target.closest(".question") || target;
      block.scrollIntoView();
      target.focus({ preventScroll: true });
    });
  }

  function chosen(name, value) {
    var inputs = form.querySelectorAll("[name='" + name + "']");
    for (var i = 0; i < inputs.length; i++) {
      if ((inputs[i].type === "radio" || inputs[i].type === "checkbox") && inputs[i].checked && inputs[i].value === value) { return true; }
    }
    // ranking: the selects are named q<id>_<rank>
    var selects = form.querySelectorAll("select[name^='" + name + "_']");
    for (var j = 0; j < selects.length; j++) { if (selects[j].value === value) { return true; } }
    return false;
  }

  function update() {
    var blocks = form.querySelectorAll("[data-show-if]");
    for (var i = 0; i < blocks.length; i++) {
      var block = blocks[i];
      var shown = false;
      block.getAttribute("data-show-if").split(" ").forEach(function (pair) {
        var parts = pair.split(":");
        var source = document.getElementById(parts[0] + "-block");
        if (source && !source.classList.contains("is-hidden") && chosen(parts[0], parts[1])) { shown = true; }
      });
      block.classList.toggle("is-hidden", !shown);
    }
  }
  form.addEventListener("change", update);
  update();

  if (typeof L === "undefined") { return; }
  var maps = form.querySelectorAll(".point-map");
  for (var m = 0; m < maps.length; m++) { setUp(maps[m]); }

  function setUp(box) {
    var lat = document.getElementById(box.dataset.lat);
    var lon = document.getElementById(box.dataset.lon);
    var status = box.querySelector(".point-status");
    var centreLat = parseFloat(box.dataset.centreLat) || 51.3;
    var centreLon = parseFloat(box.dataset.centreLon) || 10.4;
    box.hidden = false;
    var map = L.map(box.querySelector(".point-map-canvas"), { scrollWheelZoom: false });
    map.setView([centreLat, centreLon], parseInt(box.dataset.zoom, 10) || 9);
    if (box.dataset.tiles) {
      L.tileLayer(box.dataset.tiles, { maxZoom: 19, attribution: box.dataset.attribution }).addTo(map);
    }
    var marker = null;
    var clear = document.createElement("button");
    clear.type = "button";
    clear.className = "button button-secondary";
    clear.textContent = box.dataset.tClear;
    clear.hidden = true;
    box.appendChild(clear);
    function place(latlng, announce) {
      if (marker) { marker.setLatLng(latlng); } else { marker = L.circleMarker(latlng, { radius: 9, color: "#0b5394", weight: 3 }).addTo(map); }
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
      clear.hidden = false;
      if (announce) { status.textContent = box.dataset.tSet; }
    }
    if (lat.value && lon.value) {
      var known = L.latLng(parseFloat(lat.value), parseFloat(lon.value));
      place(known, false);
      map.setView(known, 14);
    }
    map.on("click", function (event) { place(event.latlng, true); });
    clear.addEventListener("click", function () {
      if (marker) { map.removeLayer(marker); marker = null; }
      lat.value = ""; lon.value = "";
      clear.hidden = true;
      status.textContent = "";
    });
  }
})();
