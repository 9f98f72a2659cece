"""Strict security headers on every response; a second factor for the admin sites."""

from urllib.parse import quote

from django.conf import settings
from django.http import Http404
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


class RequestLimitsMiddleware:
    """Bad input the views never see. A NUL character (PostgreSQL refuses to store or compare
    one, so any lookup with it answered 500 — issue 16 F6): in the address it is a 404, in
    the query it is dropped (a search for "a\\x00b" is a search for "ab"), in a form field it
    is a 400. Requests above Django's limits (DATA_UPLOAD_MAX_MEMORY_SIZE,
    DATA_UPLOAD_MAX_NUMBER_FIELDS/_FILES — issue 16 F7) get a 400 page that says what was
    wrong, in the user's language, instead of Django's bare "Bad Request".

    Sits after the session, language and user middleware (the page shows the user's
    header) and reads the form before the CSRF check does, so it is the one that meets the
    size errors. The API parses its own bodies (DRF) and refuses a NUL in the query itself
    (400, as its schema says); here it is checked only for NUL in the address. A view marked
    with `checks_own_input` (e.g. the Open311 API, which answers in its specification's error
    format) is left alone entirely: it meets NUL, size and field-count errors itself
    (`request_problem` gives the messages).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent

        if ("\x00" in request.path or _has_nul(request.GET) or request.method == "POST") and (
            _checks_own_input(request)
        ):
            return self.get_response(request)
        if "\x00" in request.path:
            raise Http404  # no address contains one: the friendly 404 page
        if _has_nul(request.GET) and not request.path.startswith("/api/"):
            # a search or a filter with a NUL: the value without it (the view judges the rest);
            # the API answers 400 itself (core.api.base.ApiView: its schema documents that)
            request.GET = _without_nul(request.GET)
        if request.method == "POST" and not request.path.startswith("/api/"):
            try:
                fields = request.POST
            except RequestDataTooBig:
                return bad_request(request, "too_big")
            except (TooManyFieldsSent, TooManyFilesSent):
                return bad_request(request, "too_many")
            if _has_nul(fields):
                return bad_request(request, "nul")
        return self.get_response(request)


def checks_own_input(view):
    """Mark a view that answers NUL characters and oversized or overfull forms itself (in its
    own error format): RequestLimitsMiddleware then lets its requests through unread."""
    view.checks_own_input = True
    return view


def _checks_own_input(request) -> bool:
    from django.urls import Resolver404, resolve

    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return False
    return getattr(match.func, "checks_own_input", False)


def _without_nul(query):
    from django.http import QueryDict

    clean = QueryDict(mutable=True)
    for key, values in query.lists():
        clean.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in values])
    clean._mutable = False
    return clean


def _has_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in query.lists())


def bad_request(request, problem: str = ""):
    """The 400 page: what was wrong (`problem`: "nul", "too_big", "too_many") and what to do."""
    from django.shortcuts import render
    from django.utils.translation import gettext as _

    if problem in ("too_big", "too_many"):
        request._mark_post_parse_error()  # the form cannot be read again (as Django does)
    reason = request_problem(problem)
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"detail": reason or _("Bad request.")}, status=400)
    return render(request, "core/bad_request.html", {"reason": reason}, status=400)


def request_problem(problem: str) -> str:
    """What was wrong with a request, for people ("nul", "too_big", "too_many"; else "")."""
    from django.template.defaultfilters import filesizeformat
    from django.utils.translation import gettext as _

    reasons = {
        "nul": _("The request contains a character that is not allowed (a null byte)."),
        "too_big": _(
            "The request is too large: at most %(limit)s of form data and %(files)s per file."
        )
        % {
            "limit": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE),
            "files": filesizeformat(
                getattr(settings, "OPENKREIS_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
            ),
        },
        "too_many": _("The request contains too many fields or files."),
    }
    return str(reasons.get(problem, ""))
