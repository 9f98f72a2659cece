// The camera scanner: the browser's BarcodeDetector where it has one (Chrome on Android,
// macOS), else jsQR (static/vendor/jsqr, from npm) on frames drawn into a canvas. Calls
// `found(text)` for every QR code read; the same code is reported again only after a pause.
(function (scope) {
  "use strict";
  var INTERVAL = 150; // ms between two looks at the video
  var REPEAT = 4000;  // ms before the same code counts again

  function Scanner(video, found) {
    this.video = video;
    this.found = found;
    this.stream = null;
    this.timer = null;
    this.last = { text: "", at: 0 };
    this.canvas = document.createElement("canvas");
    this.detector = null;
  }

  Scanner.prototype.start = function () {
    var self = this;
    var detectorReady = Promise.resolve(null);
    if ("BarcodeDetector" in scope) {
      detectorReady = scope.BarcodeDetector.getSupportedFormats().then(function (formats) {
        return formats.indexOf("qr_code") !== -1 ? new scope.BarcodeDetector({ formats: ["qr_code"] }) : null;
      }).catch(function () { return null; });
    }
    return detectorReady.then(function (detector) {
      self.detector = detector;
      if (!detector && typeof scope.jsQR !== "function") { throw new Error("no decoder"); }
      return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    }).then(function (stream) {
      self.stream = stream;
      self.video.srcObject = stream;
      self.video.setAttribute("playsinline", "");
      return self.video.play();
    }).then(function () { self.loop(); return self.detector ? "BarcodeDetector" : "jsQR"; });
  };

  Scanner.prototype.stop = function () {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.stream) { this.stream.getTracks().forEach(function (t) { t.stop(); }); }
    this.stream = null;
    this.video.srcObject = null;
  };

  Scanner.prototype.report = function (text) {
    var now = Date.now();
    if (!text || (text === this.last.text && now - this.last.at < REPEAT)) { return; }
    this.last = { text: text, at: now };
    this.found(text);
  };

  Scanner.prototype.look = function () {
    var self = this, video = this.video;
    if (!video.videoWidth) { return Promise.resolve(); }
    if (self.detector) {
      return self.detector.detect(video).then(function (codes) {
        if (codes.length) { self.report(codes[0].rawValue); }
      });
    }
    var width = Math.min(video.videoWidth, 800);
    var height = Math.round(video.videoHeight * width / video.videoWidth);
    self.canvas.width = width; self.canvas.height = height;
    var ctx = self.canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(video, 0, 0, width, height);
    var image = ctx.getImageData(0, 0, width, height);
    var code = scope.jsQR(image.data, width, height, { inversionAttempts: "dontInvert" });
    if (code && code.data) { self.report(code.data); }
    return Promise.resolve();
  };

  Scanner.prototype.loop = function () {
    var self = this;
    if (!self.stream) { return; }
    self.look().catch(function () { /* a frame that could not be read */ }).then(function () {
      if (self.stream) { self.timer = setTimeout(function () { self.loop(); }, INTERVAL); }
    });
  };

  scope.HatixScanner = Scanner;
})(window);
