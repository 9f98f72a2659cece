"""Strict security headers on every response; a second factor for the admin sites."""

from urllib.parse import quote

from django.conf import settings
from django.shortcuts import redirect
from django.utils import translation

ADMIN_PREFIXES = ("/admin/", "/django-admin/", "/api/docs/")


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(ADMIN_PREFIXES):
            policy = settings.CONTENT_SECURITY_POLICY_ADMIN
        else:
            policy = settings.CONTENT_SECURITY_POLICY
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


class ApiLanguageMiddleware:
    """The API answers in the caller's language (Accept-Language), not the site default.

    LocaleMiddleware falls back to German for every path outside the language-prefixed
    portal URLs; API clients say what they want in the Accept-Language header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


class AdminMfaMiddleware:
    """The editorial (Wagtail) and technical (Django) admin sites demand what every staff
    page demands: a login through the one login page with a second factor (TOTP).

    Their own password-only login forms are replaced by a redirect to /konto/login/; a
    session that got in with a password alone (or a user without a second factor yet) is
    sent to log in again or to set one up before any admin page answers.
    """

    ADMIN_SITES = ("/admin/", "/django-admin/")
    OWN_LOGIN_PAGES = ("/admin/login/", "/django-admin/login/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if not path.startswith(self.ADMIN_SITES):
            return self.get_response(request)
        if path.startswith(self.OWN_LOGIN_PAGES):
            target = request.GET.get("next") or "/admin/"
            return redirect(f"{settings.OPENKREIS_LOGIN_PATH}?next={quote(target)}")
        if request.user.is_authenticated:
            from .staff import second_factor_gate

            gate = second_factor_gate(request)
            if gate is not None:
                return gate
        return self.get_response(request)
