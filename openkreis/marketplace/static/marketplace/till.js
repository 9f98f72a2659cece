// The till's camera: reads the customer's card QR code (16 digits) and puts the number into
// both card-number fields. Progressive: without a camera or a decoder the section stays
// hidden and the number is typed. Decoder: the browser's BarcodeDetector where there is one,
// else jsQR (static/vendor/jsqr) on video frames drawn into a canvas.
(function () {
  "use strict";
  var box = document.querySelector("[data-till-scan]");
  if (!box || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return; }
  var hasDetector = "BarcodeDetector" in window;
  if (!hasDetector && typeof window.jsQR !== "function") { return; }

  var toggle = box.querySelector("[data-scan-toggle]");
  var video = box.querySelector("[data-scan-video]");
  var status = box.querySelector("[data-scan-status]");
  var text = function (name) { return box.querySelector("[data-text-" + name + "]").textContent; };
  var canvas = document.createElement("canvas");
  var stream = null, timer = null, detector = null;

  function digits(value) { return String(value || "").replace(/[\s\-.]/g, ""); }
  function grouped(number) { return number.replace(/(\d{4})(?=\d)/g, "$1 "); }

  function stop() {
    clearTimeout(timer);
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
    stream = null;
    video.srcObject = null;
    video.hidden = true;
    toggle.textContent = text("start");
    toggle.setAttribute("aria-pressed", "false");
  }

  function found(value) {
    var number = digits(value);
    if (!/^\d{16}$/.test(number)) { return false; }
    document.querySelectorAll(".card-number-input").forEach(function (input) {
      input.value = grouped(number);
    });
    stop();
    status.textContent = text("found");
    var amount = document.getElementById("id_earn-amount");
    if (amount) { amount.focus(); }
    return true;
  }

  function frame() {
    if (!video.videoWidth) { return Promise.resolve(false); }
    if (detector) {
      return detector.detect(video).then(function (codes) {
        return codes.some(function (code) { return found(code.rawValue); });
      });
    }
    var width = Math.min(video.videoWidth, 640);
    var height = Math.round(video.videoHeight * width / video.videoWidth);
    canvas.width = width;
    canvas.height = height;
    var context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(video, 0, 0, width, height);
    var code = window.jsQR(context.getImageData(0, 0, width, height).data, width, height,
      { inversionAttempts: "dontInvert" });
    return Promise.resolve(Boolean(code && found(code.data)));
  }

  function watch() {
    if (!stream) { return; }
    frame().catch(function () { return false; }).then(function (done) {
      if (!done && stream) { timer = setTimeout(watch, 200); }
    });
  }

  function start() {
    var ready = hasDetector
      ? window.BarcodeDetector.getSupportedFormats().then(function (formats) {
        detector = formats.indexOf("qr_code") >= 0 ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
      }).catch(function () { detector = null; })
      : Promise.resolve();
    ready.then(function () {
      if (!detector && typeof window.jsQR !== "function") { throw new Error("no decoder"); }
      return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    }).then(function (media) {
      stream = media;
      video.srcObject = media;
      video.hidden = false;
      toggle.textContent = text("stop");
      toggle.setAttribute("aria-pressed", "true");
      status.textContent = "";
      return video.play();
    }).then(watch).catch(function () {
      stop();
      status.textContent = text("failed");
    });
  }

  box.hidden = false;
  toggle.addEventListener("click", function () { if (stream) { stop(); } else { start(); } });
}());
