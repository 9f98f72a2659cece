"""The client's address, for rate limits and login lockouts.

Behind a reverse proxy every request comes from the proxy's address. With
`OPENKREIS_TRUSTED_PROXIES` = N (the number of proxies in front of the app that each
append the address they received from to `X-Forwarded-For`), the client is the N-th
entry from the right; entries further left come from the client and are not trusted.
The same rule as DRF's `NUM_PROXIES`, which the settings set to the same number, and the
callable django-axes uses (`AXES_CLIENT_IP_CALLABLE`).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The address, or None when the request has none (a test client, a unix socket)."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = int(getattr(settings, "OPENKREIS_TRUSTED_PROXIES", 0) or 0)
    if proxies <= 0:
        return remote
    chain = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [a for a in chain if a]
    if not chain:
        return remote
    candidate = chain[-min(proxies, len(chain))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:  # not an address: the proxy is not set up as configured
        return remote
