/* Offline check of a "Digitaler Führerschein Harz" credential (eddsa-jcs-2022): the signature
   with WebCrypto Ed25519 and the county's public keys embedded in the page, and the dates.
   Revocation needs the network (the server check). Without JavaScript the page's form works. */
(function () {
  "use strict";
  var B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

  function b58decode(text) {
    var bytes = []; // little-endian while building
    for (var i = 0; i < text.length; i++) {
      var carry = B58.indexOf(text[i]);
      if (carry < 0) throw new Error("not base58btc");
      for (var j = 0; j < bytes.length; j++) {
        carry += bytes[j] * 58;
        bytes[j] = carry & 0xff;
        carry >>= 8;
      }
      while (carry > 0) { bytes.push(carry & 0xff); carry >>= 8; }
    }
    for (var k = 0; k < text.length && text[k] === "1"; k++) bytes.push(0);
    return new Uint8Array(bytes.reverse());
  }

  // RFC 8785 (JCS) for JSON parsed by JSON.parse: keys sorted by UTF-16 code units,
  // numbers and strings as ECMAScript's JSON.stringify writes them.
  function jcs(value) {
    if (value === null || typeof value !== "object") return JSON.stringify(value);
    if (Array.isArray(value)) return "[" + value.map(jcs).join(",") + "]";
    return "{" + Object.keys(value).sort().map(function (k) {
      return JSON.stringify(k) + ":" + jcs(value[k]);
    }).join(",") + "}";
  }

  function sha256(text) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(function (b) {
      return new Uint8Array(b);
    });
  }

  function without(obj, key) {
    var out = {};
    Object.keys(obj).forEach(function (k) { if (k !== key) out[k] = obj[k]; });
    return out;
  }

  function hashData(doc, proof) {
    var config = without(proof, "proofValue");
    if (doc["@context"] !== undefined) config["@context"] = doc["@context"];
    return Promise.all([sha256(jcs(config)), sha256(jcs(without(doc, "proof")))]).then(function (h) {
      var out = new Uint8Array(64);
      out.set(h[0], 0);
      out.set(h[1], 32);
      return out;
    });
  }

  function verifySignature(doc, proof, multikey) {
    var raw = b58decode(multikey.slice(1));
    if (raw.length !== 34 || raw[0] !== 0xed || raw[1] !== 0x01) return Promise.resolve(false);
    var sig = b58decode(String(proof.proofValue || "").slice(1));
    return crypto.subtle.importKey("raw", raw.slice(2), { name: "Ed25519" }, false, ["verify"])
      .then(function (key) {
        return hashData(doc, proof).then(function (data) {
          return crypto.subtle.verify({ name: "Ed25519" }, key, sig, data);
        });
      });
  }

  function check(text, keys, issuer, now) {
    var lines = [];
    var doc;
    try { doc = JSON.parse(text); } catch (e) { doc = null; }
    if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
      return Promise.resolve([["format", false, "noJson"]]);
    }
    var proof = doc.proof;
    if (!proof || typeof proof !== "object" || proof.cryptosuite !== "eddsa-jcs-2022") {
      return Promise.resolve([["signature", false, "noProof"]]);
    }
    var method = proof.verificationMethod;
    var declared = doc.issuer && typeof doc.issuer === "object" ? doc.issuer.id : doc.issuer;
    var multikey = declared === issuer && typeof method === "string" ? keys[method] : undefined;
    lines.push(["issuer", !!multikey, multikey ? "issuerOk" : "issuerBad"]);
    var from = Date.parse(doc.validFrom), until = doc.validUntil ? Date.parse(doc.validUntil) : Infinity;
    var datesOk = !isNaN(from) && from <= now && !(until <= now);
    var signature = multikey ? verifySignature(doc, proof, multikey).catch(function () { return false; })
      : Promise.resolve(false);
    return signature.then(function (ok) {
      lines.push(["signature", ok, ok ? "sigOk" : "sigBad"]);
      lines.push(["dates", datesOk, datesOk ? "datesOk" : "datesBad"]);
      lines.push(["status", null, "status"]);
      return lines;
    });
  }

  function read(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function init() {
    var button = document.getElementById("verify-offline");
    var area = document.getElementById("id_credential");
    if (!button || !area || !window.crypto || !crypto.subtle) return;
    var keys = read("verify-keys"), issuer = read("verify-issuer"), texts = read("verify-texts");
    var box = document.getElementById("offline-result");
    var list = document.getElementById("offline-checks");
    var title = document.getElementById("offline-title");
    button.hidden = false;
    var upload = document.getElementById("id_upload");
    if (upload) {
      upload.addEventListener("change", function () {
        if (upload.files && upload.files[0]) upload.files[0].text().then(function (t) { area.value = t; });
      });
    }
    button.addEventListener("click", function () {
      check(area.value, keys, issuer, Date.now()).then(function (lines) {
        list.textContent = "";
        var ok = lines.every(function (l) { return l[1] !== false; });
        lines.forEach(function (l) {
          var li = document.createElement("li");
          li.dataset.check = l[0];
          li.dataset.ok = l[1] === null ? "" : l[1] ? "1" : "0";
          li.textContent = texts[l[2]];
          list.appendChild(li);
        });
        title.textContent = ok ? texts.valid : texts.invalid;
        box.dataset.valid = ok ? "1" : "0";
        box.hidden = false;
      }, function () {
        list.textContent = "";
        title.textContent = texts.noCrypto;
        box.hidden = false;
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
