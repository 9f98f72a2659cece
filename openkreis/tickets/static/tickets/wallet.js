// HATIX wallet: registers the service worker that keeps this page for offline use
// (openkreis/tickets/wallet.py). Without JavaScript the page works as before, just online.
(function () {
  "use strict";
  var script = document.getElementById("wallet-script");
  var note = document.getElementById("offline-note");
  if (!script || !("serviceWorker" in navigator) || !("caches" in window)) { return; }
  function keep(worker) {
    return new Promise(function (resolve, reject) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (event) {
        if (event.data === "kept") { resolve(); } else { reject(); }
      };
      worker.postMessage({ type: "keep", url: location.pathname }, [channel.port2]);
    });
  }
  navigator.serviceWorker.register(script.getAttribute("data-sw"), {
    scope: script.getAttribute("data-scope")
  }).then(function () {
    return navigator.serviceWorker.ready;
  }).then(function (registration) {
    // the first visit was not fetched through the worker: ask it to keep the page now
    return keep(registration.active);
  }).then(function () {
    if (note) { note.textContent = note.getAttribute("data-ready"); note.hidden = false; }
    document.documentElement.setAttribute("data-wallet-offline", "ready");
  }).catch(function () { /* no offline copy: the page still works online */ });
})();
