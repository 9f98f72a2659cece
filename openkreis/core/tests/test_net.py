"""The client's address behind reverse proxies: only what the trusted proxies appended
counts; what the client writes into X-Forwarded-For itself does not."""

import pytest
from django.test import RequestFactory

from openkreis.core.net import client_ip


def request(remote="10.0.0.2", xff=None):
    meta = {"REMOTE_ADDR": remote}
    if xff is not None:
        meta["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **meta)


def test_without_proxies_the_header_is_ignored(settings):
    settings.OPENKREIS_TRUSTED_PROXIES = 0
    assert client_ip(request(xff="1.2.3.4")) == "10.0.0.2"


@pytest.mark.parametrize(
    ("proxies", "xff", "expected"),
    [
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the client's own entry is not trusted
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
        (1, "2001:db8::1", "2001:db8::1"),
        (1, "not-an-address", "10.0.0.2"),
        (1, "", "10.0.0.2"),
    ],
)
def test_behind_trusted_proxies(settings, proxies, xff, expected):
    settings.OPENKREIS_TRUSTED_PROXIES = proxies
    assert client_ip(request(xff=xff)) == expected


def test_login_lockout_and_rate_limits_use_it(settings):
    from allauth.core.internal.httpkit import get_client_ip as allauth_ip
    from axes.helpers import get_client_ip_address

    settings.OPENKREIS_TRUSTED_PROXIES = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert get_client_ip_address(request(xff="6.6.6.6, 203.0.113.7")) == "203.0.113.7"
    assert allauth_ip(request(xff="6.6.6.6, 203.0.113.7")) == "203.0.113.7"  # login limits


def test_the_libraries_get_the_same_proxy_count():
    from django.conf import settings

    n = settings.OPENKREIS_TRUSTED_PROXIES
    assert n == settings.ALLAUTH_TRUSTED_PROXY_COUNT
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == (n or None)


def test_appointment_rate_limit_is_per_client_behind_the_proxy(settings):
    from django.core.cache import cache

    from openkreis.appointments.views import rate_limited

    cache.clear()
    settings.OPENKREIS_TRUSTED_PROXIES = 1
    a, b = request(xff="203.0.113.7"), request(xff="203.0.113.8")
    assert [rate_limited(a, "t", 2) for _ in range(3)] == [False, False, True]
    assert rate_limited(b, "t", 2) is False  # another citizen, same proxy address


def test_no_address_is_none(settings):
    settings.OPENKREIS_TRUSTED_PROXIES = 1
    req = RequestFactory().get("/")
    del req.META["REMOTE_ADDR"]
    assert client_ip(req) is None  # axes stores no address then, rate limits use "unknown"
