/* Call display: poll the small JSON status (plain GET, works through any proxy), redraw the
   list when its version changes, flash the newest row and beep (WebAudio). Browsers allow
   sound only after a user gesture, so a button switches it on once. */
(function () {
  "use strict";
  var body = document.body;
  var url = body.getAttribute("data-status-url");
  var version = body.getAttribute("data-version");
  var list = document.getElementById("calls");
  var waiting = document.getElementById("waiting");
  var soundButton = document.getElementById("sound");
  var emptyText = document.getElementById("empty-text").content.textContent;
  var waitingText = document.getElementById("waiting-text").content.textContent;
  var audio = null;

  if (window.AudioContext || window.webkitAudioContext) {
    soundButton.hidden = false;
    soundButton.addEventListener("click", function () {
      var Context = window.AudioContext || window.webkitAudioContext;
      audio = new Context();
      soundButton.hidden = true;
      beep();
    });
  }

  function beep() {
    if (!audio) { return; }
    [0, 0.35].forEach(function (offset, index) {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = index ? 660 : 880;
      gain.gain.setValueAtTime(0.0001, audio.currentTime + offset);
      gain.gain.exponentialRampToValueAtTime(0.4, audio.currentTime + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + offset + 0.3);
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + offset);
      osc.stop(audio.currentTime + offset + 0.32);
    });
  }

  function render(state) {
    list.textContent = "";
    if (!state.calls.length) {
      var empty = document.createElement("li");
      empty.className = "display-empty";
      empty.textContent = emptyText;
      list.appendChild(empty);
    }
    state.calls.forEach(function (call, index) {
      var item = document.createElement("li");
      item.className = "display-call" + (index === 0 ? " display-latest" : "");
      var number = document.createElement("span");
      number.className = "display-number";
      number.textContent = call.number;
      var counter = document.createElement("span");
      counter.className = "display-counter";
      counter.textContent = call.counter;
      item.appendChild(number);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(counter);
      list.appendChild(item);
    });
    waiting.textContent = state.waiting + " " + waitingText;
  }

  function cue() {
    var latest = list.querySelector(".display-latest");
    if (latest) {
      latest.classList.add("display-flash");
      window.setTimeout(function () { latest.classList.remove("display-flash"); }, 3000);
    }
    beep();
  }

  function poll() {
    var request = new XMLHttpRequest();
    request.open("GET", url + "?t=" + Date.now());
    request.timeout = 5000;
    request.onload = function () {
      if (request.status === 200) {
        var state = JSON.parse(request.responseText);
        if (state.version !== version) {
          var changed = version !== null;
          version = state.version;
          render(state);
          if (changed && state.calls.length) { cue(); }
        } else {
          waiting.textContent = state.waiting + " " + waitingText;
        }
        body.setAttribute("data-version", version);
      }
    };
    request.send();
  }

  window.setInterval(poll, 2000);
})();
