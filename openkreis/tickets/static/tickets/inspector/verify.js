// HATIX ticket verification in the browser, offline: the same layers as openkreis/tickets/
// codec.py (EU DCC / HCERT style), read backwards:
//   "HX1:" prefix → Base45 → zlib (DecompressionStream) → COSE_Sign1 (CBOR, tag 18) →
//   signature over the Sig_structure ["Signature1", protected, h'', payload] with the key of
//   the kid in the protected header (WebCrypto: ECDSA P-256 with raw r||s, or Ed25519) →
//   claims: 4 exp, 5 nbf, 7 cti (serial), "z" zones, "h" HarzCard, "i" initials →
//   validity now, revocation by sha256(serial)[:16] hex (the /hatix/sperrliste.json entries).
// Reasons are the strings of codec.py / keys.py (prefix, base45, truncated, zlib, oversized,
// not_cose, bad_header, unknown_kid, bad_signature, bad_payload, expired, not_yet_valid,
// revoked, key_expired, unsupported). No DOM: usable in a worker and in tests.
(function (scope) {
  "use strict";
  var MAX_CODE_LENGTH = 8000;
  var MAX_DECOMPRESSED = 16384;
  var MAX_DEPTH = 16;
  var B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  var B45_VALUE = {};
  for (var i = 0; i < B45.length; i++) { B45_VALUE[B45.charAt(i)] = i; }

  function Refusal(reason, detail) { this.reason = reason; this.detail = detail || ""; }

  function refuse(reason, detail) { throw new Refusal(reason, detail); }

  // -- Base45 (RFC 9285) ------------------------------------------------------------------
  function base45decode(text) {
    if (text.length % 3 === 1) { refuse("truncated", "Base45 length"); }
    var out = new Uint8Array(Math.floor(text.length / 3) * 2 + (text.length % 3 === 2 ? 1 : 0));
    var o = 0;
    for (var p = 0; p < text.length; p += 3) {
      var c = B45_VALUE[text.charAt(p)], d = B45_VALUE[text.charAt(p + 1)];
      if (c === undefined || d === undefined) { refuse("base45", "character"); }
      if (p + 2 < text.length) {
        var e = B45_VALUE[text.charAt(p + 2)];
        if (e === undefined) { refuse("base45", "character"); }
        var n = c + d * 45 + e * 2025;
        if (n > 0xffff) { refuse("base45", "triple"); }
        out[o++] = n >> 8; out[o++] = n & 0xff;
      } else {
        var m = c + d * 45;
        if (m > 0xff) { refuse("base45", "pair"); }
        out[o++] = m;
      }
    }
    return out;
  }

  // -- zlib (the browser's DecompressionStream, "deflate" = RFC 1950) --------------------
  function inflate(bytes) {
    if (typeof DecompressionStream === "undefined") {
      return Promise.reject(new Refusal("unsupported", "DecompressionStream"));
    }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    var reader = stream.getReader();
    var chunks = [], total = 0;
    function pump() {
      return reader.read().then(function (step) {
        if (step.done) {
          var out = new Uint8Array(total), at = 0;
          chunks.forEach(function (chunk) { out.set(chunk, at); at += chunk.length; });
          return out;
        }
        total += step.value.length;
        if (total > MAX_DECOMPRESSED) {
          reader.cancel();
          throw new Refusal("oversized", "after zlib");
        }
        chunks.push(step.value);
        return pump();
      });
    }
    return pump().catch(function (error) {
      if (error instanceof Refusal) { throw error; }
      var text = String(error && error.message || error);
      throw new Refusal(!/junk/i.test(text) && /truncat|incomplete/i.test(text) ? "truncated" : "zlib", text);
    });
  }

  // -- CBOR (RFC 8949), the subset signed tickets and EU certificates use -------------------
  // definite lengths only; maps become Map (integer and text keys kept apart); byte strings
  // Uint8Array; tags {tag, value}. Throws Refusal(reason) on anything malformed.
  function Tagged(tag, value) { this.tag = tag; this.value = value; }

  function cborDecode(bytes, reason) {
    var view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    var pos = 0;
    function need(n) { if (pos + n > bytes.length) { refuse(reason, "CBOR ends early"); } }
    function length(info) {
      if (info < 24) { return info; }
      if (info === 24) { need(1); return bytes[pos++]; }
      if (info === 25) { need(2); pos += 2; return view.getUint16(pos - 2); }
      if (info === 26) { need(4); pos += 4; return view.getUint32(pos - 4); }
      if (info === 27) {
        need(8); var hi = view.getUint32(pos), lo = view.getUint32(pos + 4); pos += 8;
        if (hi > 0x1fffff) { refuse(reason, "CBOR integer too large"); }
        return hi * 4294967296 + lo;
      }
      refuse(reason, "CBOR indefinite or reserved length");
    }
    function item(depth) {
      if (depth > MAX_DEPTH) { refuse(reason, "CBOR nested too deep"); }
      need(1);
      var first = bytes[pos++], major = first >> 5, info = first & 31;
      if (major === 7) {
        if (info === 20) { return false; }
        if (info === 21) { return true; }
        if (info === 22) { return null; }
        if (info === 23) { return undefined; }
        if (info === 25) { need(2); pos += 2; return half(view.getUint16(pos - 2)); }
        if (info === 26) { need(4); pos += 4; return view.getFloat32(pos - 4); }
        if (info === 27) { need(8); pos += 8; return view.getFloat64(pos - 8); }
        refuse(reason, "CBOR simple value");
      }
      var n = length(info);
      switch (major) {
        case 0: return n;
        case 1: return -1 - n;
        case 2: need(n); pos += n; return bytes.subarray(pos - n, pos);
        case 3:
          need(n); pos += n;
          try { return new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(pos - n, pos)); }
          catch (e) { refuse(reason, "CBOR text not UTF-8"); }
          break;
        case 4: {
          if (n > bytes.length - pos) { refuse(reason, "CBOR array too long"); }
          var list = [];
          for (var a = 0; a < n; a++) { list.push(item(depth + 1)); }
          return list;
        }
        case 5: {
          if (n > bytes.length - pos) { refuse(reason, "CBOR map too long"); }
          var map = new Map();
          for (var k = 0; k < n; k++) { var key = item(depth + 1); map.set(key, item(depth + 1)); }
          return map;
        }
        case 6: return new Tagged(n, item(depth + 1));
      }
      refuse(reason, "CBOR");
    }
    var value = item(0);
    if (pos !== bytes.length) { refuse(reason, "data after the CBOR item"); }
    return value;
  }

  function half(bits) {
    var exp = (bits >> 10) & 0x1f, mant = bits & 0x3ff, sign = bits & 0x8000 ? -1 : 1;
    if (exp === 0) { return sign * Math.pow(2, -14) * (mant / 1024); }
    if (exp === 31) { return mant ? NaN : sign * Infinity; }
    return sign * Math.pow(2, exp - 15) * (1 + mant / 1024);
  }

  function cborHead(major, n) {
    if (n < 24) { return [(major << 5) | n]; }
    if (n < 256) { return [(major << 5) | 24, n]; }
    if (n < 65536) { return [(major << 5) | 25, n >> 8, n & 0xff]; }
    return [(major << 5) | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  }

  var SIGNATURE1 = new TextEncoder().encode("Signature1");

  // the CBOR array ["Signature1", protected, h'', payload] (RFC 9052 §4.4)
  function sigStructure(protectedBytes, payload) {
    var parts = [[0x84], cborHead(3, SIGNATURE1.length), SIGNATURE1, cborHead(2, protectedBytes.length),
      protectedBytes, [0x40], cborHead(2, payload.length), payload];
    var size = 0;
    parts.forEach(function (p) { size += p.length; });
    var out = new Uint8Array(size), at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }

  function hex(bytes) {
    var s = "";
    for (var j = 0; j < bytes.length; j++) { s += (bytes[j] < 16 ? "0" : "") + bytes[j].toString(16); }
    return s;
  }

  // -- the trust material -------------------------------------------------------------------
  // trustList: /hatix/schluessel.json {prefix, keys: {kid: {alg, jwk, spki, verify_until}}}
  // revocationList: /hatix/sperrliste.json {version, updated, entries: [hex of 16 bytes]}
  function Verifier(trustList, revocationList) {
    this.prefix = (trustList && trustList.prefix) || "HX1:";
    this.keys = (trustList && trustList.keys) || {};
    this.revoked = new Set((revocationList && revocationList.entries) || []);
    this.imported = {};
  }

  Verifier.prototype.key = function (kid) {
    var entry = this.keys[kid];
    if (!entry) { return Promise.resolve(null); }
    if (!this.imported[kid]) {
      var algorithm = entry.alg === "EdDSA" ? { name: "Ed25519" } : { name: "ECDSA", namedCurve: "P-256" };
      this.imported[kid] = scope.crypto.subtle.importKey("jwk", entry.jwk, algorithm, false, ["verify"])
        .catch(function () { throw new Refusal("unsupported", entry.alg); });
    }
    return this.imported[kid];
  };

  // resolves to {ok, reason, kid, payload: {serial, valid_from, valid_until, zones, initials,
  // harzcard} | null}; never rejects
  Verifier.prototype.verify = function (code, nowSeconds) {
    var self = this;
    var now = nowSeconds === undefined ? Date.now() / 1000 : nowSeconds;
    var kid = "", payload = null;
    return Promise.resolve().then(function () {
      if (typeof code !== "string") { refuse("prefix"); }
      code = code.trim();
      if (code.length > MAX_CODE_LENGTH) { refuse("oversized"); }
      if (code.indexOf(self.prefix) !== 0) { refuse("prefix"); }
      return inflate(base45decode(code.slice(self.prefix.length)));
    }).then(function (raw) {
      var cose = cborDecode(raw, "not_cose");
      if (cose instanceof Tagged) {
        if (cose.tag !== 18) { refuse("not_cose", "tag"); }
        cose = cose.value;
      }
      if (!Array.isArray(cose) || cose.length !== 4 || !(cose[0] instanceof Uint8Array) ||
          !(cose[1] instanceof Map) || !(cose[2] instanceof Uint8Array) || !(cose[3] instanceof Uint8Array)) {
        refuse("not_cose", "structure");
      }
      var header = cose[0].length ? cborDecode(cose[0], "bad_header") : new Map();
      if (!(header instanceof Map)) { refuse("bad_header"); }
      var kidBytes = header.get(4) || cose[1].get(4);
      var alg = header.get(1);
      if (!(kidBytes instanceof Uint8Array) || !kidBytes.length) { refuse("bad_header", "no kid"); }
      kid = hex(kidBytes);
      if (alg !== -7 && alg !== -8) { refuse("bad_header", "algorithm"); }
      var entry = self.keys[kid];
      if (!entry) { refuse("unknown_kid"); }
      if ((alg === -7) !== (entry.alg === "ES256")) { refuse("bad_signature", "algorithm"); }
      if (entry.verify_until && Date.parse(entry.verify_until) / 1000 <= now) { refuse("key_expired"); }
      var body = cose[2];
      var signature = cose[3];
      return self.key(kid).then(function (cryptoKey) {
        var params = alg === -7 ? { name: "ECDSA", hash: "SHA-256" } : { name: "Ed25519" };
        return scope.crypto.subtle.verify(params, cryptoKey, signature, sigStructure(cose[0], body));
      }).then(function (good) {
        if (!good) { refuse("bad_signature"); }
        return body;
      });
    }).then(function (body) {
      var claims = cborDecode(body, "bad_payload");
      if (!(claims instanceof Map)) { refuse("bad_payload"); }
      var cti = claims.get(7), exp = claims.get(4), nbf = claims.get(5), zones = claims.get("z");
      if (!(cti instanceof Uint8Array) || typeof exp !== "number" || typeof nbf !== "number") {
        refuse("bad_payload");
      }
      var serial;
      try { serial = new TextDecoder("utf-8", { fatal: true }).decode(cti); }
      catch (e) { refuse("bad_payload"); }
      payload = {
        serial: serial,
        valid_from: nbf,
        valid_until: exp,
        zones: Array.isArray(zones) ? zones.map(String) : [],
        initials: claims.get("i") || null,
        harzcard: claims.get("h") === true
      };
      if (now >= exp) { refuse("expired"); }
      if (now < nbf) { refuse("not_yet_valid"); }
      return scope.crypto.subtle.digest("SHA-256", cti);
    }).then(function (digest) {
      if (self.revoked.has(hex(new Uint8Array(digest).subarray(0, 16)))) { refuse("revoked"); }
      return { ok: true, reason: "", kid: kid, payload: payload };
    }).catch(function (error) {
      if (error instanceof Refusal) {
        return { ok: false, reason: error.reason, detail: error.detail, kid: kid, payload: payload };
      }
      return { ok: false, reason: "not_cose", detail: String(error), kid: kid, payload: null };
    });
  };

  // the check event's outcome for a verification result (CheckEvent.Outcome)
  function outcome(result) {
    if (result.ok) { return "valid"; }
    var map = {
      expired: "expired", not_yet_valid: "not_yet_valid", revoked: "revoked",
      bad_signature: "bad_signature", unknown_kid: "unknown_key", key_expired: "unknown_key"
    };
    return map[result.reason] || "malformed";
  }

  // a card's mark for the desk's "already used here" memory: never the serial itself
  function serialHash(serial) {
    return scope.crypto.subtle.digest("SHA-256", new TextEncoder().encode(serial)).then(function (d) {
      return hex(new Uint8Array(d).subarray(0, 16));
    });
  }

  scope.HatixVerify = {
    Verifier: Verifier,
    base45decode: base45decode,
    inflate: inflate,
    cborDecode: cborDecode,
    sigStructure: sigStructure,
    outcome: outcome,
    serialHash: serialHash,
    hex: hex
  };
})(typeof self !== "undefined" ? self : this);
