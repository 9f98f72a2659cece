/* The upload of an event log shows its progress (a 40 MB file takes a while): the form is
   sent with XMLHttpRequest, a <progress> says how much has gone, then the browser goes to
   the batch's page (the redirect the server answers with). Without JavaScript the form is
   sent as usual. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-upload-progress]");
  if (!form || !window.XMLHttpRequest || !window.FormData) {
    return;
  }
  var wrap = document.getElementById("upload-progress");
  var bar = wrap ? wrap.querySelector("progress") : null;
  var label = wrap ? wrap.querySelector("[data-percent]") : null;
  form.addEventListener("submit", function (event) {
    if (!wrap || !bar) {
      return;
    }
    event.preventDefault();
    var request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        var percent = Math.floor((100 * e.loaded) / e.total);
        bar.value = percent;
        label.textContent = percent + " %";
      }
    });
    request.addEventListener("load", function () {
      if (request.status < 400 && request.responseURL) {
        window.location.assign(request.responseURL);
      } else {
        // a form error (400): send the form the usual way, the page shows the errors
        form.submit();
      }
    });
    request.addEventListener("error", function () {
      wrap.hidden = true;
      form.submit();
    });
    wrap.hidden = false;
    form.querySelector("button[type=submit]").disabled = true;
    request.send(new FormData(form));
  });
})();
