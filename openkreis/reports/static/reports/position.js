// Progressive enhancement for the Mängelmelder form: with JavaScript and a phone that knows
// its position, one tap fills the hidden lat/lon fields. Without it the form asks for the
// municipality, street and place, and works the same.
(function () {
  "use strict";
  var tools = document.getElementById("position-tools");
  var button = document.getElementById("use-position");
  var status = document.getElementById("position-status");
  var form = document.getElementById("report-form");
  if (!tools || !button || !form || !("geolocation" in navigator)) { return; }
  var lat = form.querySelector("input[name=lat]");
  var lon = form.querySelector("input[name=lon]");
  if (!lat || !lon) { return; }
  tools.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = status.getAttribute("data-waiting");
    navigator.geolocation.getCurrentPosition(function (pos) {
      lat.value = pos.coords.latitude.toFixed(6);
      lon.value = pos.coords.longitude.toFixed(6);
      status.textContent = status.getAttribute("data-found") + " (± " + Math.round(pos.coords.accuracy) + " m)";
      // the form's map (map.js) moves its marker here
      form.dispatchEvent(new CustomEvent("reports:position", { detail: { lat: pos.coords.latitude, lon: pos.coords.longitude } }));
    }, function () {
      lat.value = "";
      lon.value = "";
      status.textContent = status.getAttribute("data-failed");
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
})();
