/* Live quiz (progressive): polls the page's state URL every 2 s; when the state or the
   question changes it fetches the page again and swaps the live part in; otherwise it updates
   the counts. Without JavaScript the page has a refresh button. */
(function () {
  "use strict";
  var region = document.getElementById("live-region");
  if (!region || !window.fetch || !window.DOMParser) return;
  var url = region.getAttribute("data-live-state-url");
  var busy = false;

  function swap() {
    return fetch(window.location.href, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) {
        if (r.redirected) { window.location.href = r.url; return null; }
        return r.text();
      })
      .then(function (html) {
        if (html === null) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("live-region");
        if (!fresh) { window.location.reload(); return; }
        var focusInside = region.contains(document.activeElement);
        region.replaceWith(fresh);
        region = fresh;
        var heading = region.querySelector(".live-question, h1");
        if (focusInside && heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
      });
  }

  function tick() {
    if (busy || document.hidden) return;
    busy = true;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) return null;
        var changed = s.state !== region.getAttribute("data-live-state") ||
          String(s.current) !== region.getAttribute("data-live-current");
        if (changed) return swap();
        ["participants", "answered"].forEach(function (name) {
          var el = region.querySelector('[data-live="' + name + '"]');
          if (el && s[name] !== undefined && el.textContent !== String(s[name])) el.textContent = String(s[name]);
        });
        return null;
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ })
      .then(function () { busy = false; });
  }
  window.setInterval(tick, 2000);
})();
