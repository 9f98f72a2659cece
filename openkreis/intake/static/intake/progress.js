// Mail room: while a scan is still in text recognition, reload the page every few seconds
// so the progress moves without clicking "Refresh the status" (which works without JS).
(function () {
  "use strict";
  if (!document.querySelector("[data-ocr-running]")) return;
  var active = function () {
    var el = document.activeElement;
    return el && (el.tagName === "INPUT" || el.tagName === "SELECT" || el.tagName === "TEXTAREA");
  };
  window.setTimeout(function reload() {
    if (active()) { window.setTimeout(reload, 4000); return; }  // never while someone types
    window.location.reload();
  }, 4000);
})();
