from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from openkreis.core.api.docs import ApiDocsView
from openkreis.core.api.schema import ApiSchemaGenerator
from openkreis.portal import views as portal_views

# The Django admin is for administrators only; editors work in Wagtail's admin.
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser

# Folders below MEDIA_ROOT that hold public files only (Wagtail's images and renditions).
PUBLIC_MEDIA_FOLDERS = ("original_images", "images")

api_patterns = [
    path("v1/cases/", include(("openkreis.cases.api.urls", "cases-api"))),
    path("v1/accounts/", include(("openkreis.accounts.api.urls", "accounts-api"))),
    path("v1/forms/", include(("openkreis.forms.api.urls", "forms-api"))),
    path("v1/appointments/", include(("openkreis.appointments.api.urls", "appointments-api"))),
    path("v1/cockpit/", include(("openkreis.cockpit.api.urls", "cockpit-api"))),
    # the shops' stock API (token per shop, issue 22): marketplace/api.py (M3)
    path("v1/marketplace/", include(("openkreis.marketplace.api_urls", "marketplace-api"))),
    path("v1/", include(("openkreis.catalog.api.urls", "api"), namespace="api")),
    path(
        "schema/",
        cache_control(max_age=300)(SpectacularAPIView.as_view(generator_class=ApiSchemaGenerator)),
        name="schema",
    ),
    path("docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
]

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("api/", include(api_patterns)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", portal_views.health, name="health"),
]

urlpatterns += i18n_patterns(
    path("konto/", include("allauth.urls")),
    path("sachbearbeitung/", include("openkreis.cases.urls")),
    path("eingang/", include("openkreis.intake.urls")),
    path("mein-konto/", include("openkreis.accounts.urls")),
    path("antrag/", include("openkreis.forms.urls")),
    path("termine/", include("openkreis.appointments.urls")),
    path("cockpit/", include("openkreis.cockpit.urls")),
    path("maengelmelder/", include("openkreis.reports.urls")),
    path("fahrschule/", include("openkreis.schools.urls")),
    path("kita/", include("openkreis.capacity.urls")),
    path("freie-termine/", include("openkreis.capacity.urls_providers")),
    path("hatix/", include("openkreis.tickets.urls")),
    path("beteiligung/", include("openkreis.participation.urls")),
    path("kompass/", include("openkreis.directory.urls")),
    path("bildung-arbeit/", include("openkreis.jobs.urls")),
    path("einkaufen/", include("openkreis.marketplace.urls")),
    path("digital/", include("openkreis.learning.urls")),
    # the live quiz's short address, typed from the teacher's screen
    path("quiz/", RedirectView.as_view(pattern_name="learning:join", query_string=True)),
    path("ozg/", include("openkreis.radar.urls")),
    path("programm/", include("openkreis.programme.urls")),
    path("frag-den-landkreis/", include("openkreis.assistant.urls")),
    path("", include("openkreis.portal.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)

if settings.DEBUG:
    # Only the public pictures of the editorial pages (Wagtail), never a citizen's or a case's
    # file: those are served by their authorised views in every mode (issue 16 F8).
    from django.conf.urls.static import static

    for folder in PUBLIC_MEDIA_FOLDERS:
        urlpatterns += static(
            f"{settings.MEDIA_URL}{folder}/", document_root=settings.MEDIA_ROOT / folder
        )

handler403 = "openkreis.portal.views.permission_denied"
handler404 = "openkreis.portal.views.not_found"
handler500 = "openkreis.portal.views.server_error"
