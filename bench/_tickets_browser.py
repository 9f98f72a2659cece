"""HATIX: verification time per scan in the browser (issue 19, goal < 50 ms per scan).

Run by hand: `.venv/bin/python bench/_tickets_browser.py` (bench/tickets.py runs it too). Needs
Debian's chromium (OPENKREIS_CHROMIUM, default /usr/bin/chromium) and Playwright; no database
and no server: the codes are signed here with codec.py (ES256, as keys.py signs), and the
inspector app's verifier (openkreis/tickets/static/tickets/inspector/verify.js) runs in a page
of a local origin (a secure context, so WebCrypto is there) that Playwright serves from memory.

Per scan it times (performance.now around `verifier.verify(code)`): Base45, zlib through the
browser's DecompressionStream, CBOR, COSE_Sign1, the ECDSA P-256 check in WebCrypto, the
validity and the revocation lookup (SHA-256 of the serial in a list of --revoked hashes).
Prints the first scan (the key is imported then: the cold case after the app opens), then p50,
p99 and max over --codes distinct codes, one after the other as an inspector scans them.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from openkreis.tickets import codec  # noqa: E402 (codec.py needs no Django)

VERIFY_JS = ROOT / "openkreis" / "tickets" / "static" / "tickets" / "inspector" / "verify.js"
GOAL_MS = 50.0
ORIGIN = "http://127.0.0.1:9/"  # never contacted: Playwright answers the page itself


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def material(count: int, revoked: int) -> tuple[list[str], dict, dict]:
    """`count` signed codes, the trust list with their key, a revocation list of `revoked`
    random hashes (none of them one of the codes)."""
    private = ec.generate_private_key(ec.SECP256R1())
    kid = secrets.token_bytes(8)
    signer = codec.Signer(kid, "ES256", private)
    now = int(time.time())
    codes = [
        codec.encode(
            {
                codec.CLAIM_CTI: f"BENCH-{i:06d}".encode(),
                codec.CLAIM_NBF: now - 3600,
                codec.CLAIM_EXP: now + 3 * 86400,
                "z": ["hvb-regional"],
                "h": True,
                "i": "EM",
            },
            signer,
            "HX1:",
        )
        for i in range(count)
    ]
    numbers = private.public_key().public_numbers()
    trust = {
        "prefix": "HX1:",
        "keys": {
            kid.hex(): {
                "alg": "ES256",
                "jwk": {
                    "kty": "EC",
                    "crv": "P-256",
                    "x": _b64url(numbers.x.to_bytes(32, "big")),
                    "y": _b64url(numbers.y.to_bytes(32, "big")),
                },
                "verify_until": None,
            }
        },
    }
    revocations = {"version": 1, "entries": sorted(secrets.token_hex(16) for _ in range(revoked))}
    return codes, trust, revocations


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


MEASURE = """async ([codes, trust, revocations]) => {
  const verifier = new HatixVerify.Verifier(trust, revocations);
  const times = [];
  let failures = 0;
  for (const code of codes) {
    const started = performance.now();
    const result = await verifier.verify(code);
    times.push(performance.now() - started);
    if (!result.ok) { failures += 1; }
  }
  return {times, failures, agent: navigator.userAgent};
}"""


def measure(codes: list[str], trust: dict, revocations: dict) -> dict:
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("OPENKREIS_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        page.route(
            ORIGIN + "**",
            lambda route: route.fulfill(
                content_type="text/html",
                body="<!doctype html><html lang=de><title>bench</title><body></body></html>",
            ),
        )
        page.goto(ORIGIN + "bench")
        page.add_script_tag(path=str(VERIFY_JS))
        result = page.evaluate(MEASURE, [codes, trust, revocations])
        browser.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--codes", type=int, default=1000)
    parser.add_argument("--revoked", type=int, default=10_000)
    args = parser.parse_args()
    codes, trust, revocations = material(args.codes, args.revoked)
    result = measure(codes, trust, revocations)
    times = result["times"]
    if result["failures"]:
        print(f"browser: {result['failures']} of {len(codes)} codes were refused: a bug")
        sys.exit(1)
    warm = times[1:]
    p99 = percentile(warm, 99)
    mark = "ok" if p99 < GOAL_MS else "ABOVE GOAL"
    print(
        f"browser verification per scan (Chromium, {result['agent'].split(' ')[-2]}, "
        f"{len(codes)} codes, {args.revoked:,} revoked hashes): first scan "
        f"{times[0]:.1f} ms (key import), then p50 {statistics.median(warm):.2f} ms, "
        f"p99 {p99:.2f} ms, max {max(warm):.2f} ms (goal < {GOAL_MS:.0f} ms: {mark})"
    )


if __name__ == "__main__":
    main()
