"""The Mängelmelder's county data in the Django admin (administrators only) — to look at;
it is changed in tenants/<slug>/reports.yaml and reloaded with `load_tenant`. Reports are
worked on in the back office (/maengelmelder/bearbeitung/), so here they are read-only."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _

from .models import ApiClient, Area, Category, Report, Route, StatusTemplate
from .open311.models import new_key


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "name_en", "position", "active")
    list_filter = ("active",)


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("region", "official", "updated_at")
    list_filter = ("official",)
    readonly_fields = ("updated_at",)


@admin.register(Route)
class RouteAdmin(admin.ModelAdmin):
    list_display = ("category", "area", "unit")
    list_filter = ("category",)
    list_select_related = ("category", "area__region", "unit__organisation")


@admin.register(StatusTemplate)
class StatusTemplateAdmin(admin.ModelAdmin):
    list_display = ("key", "status", "title", "position")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("public_id", "category", "area", "unit", "status", "created_at")
    list_filter = ("status", "category")
    search_fields = ("public_id",)
    list_select_related = ("category", "area__region", "unit")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Open311 clients (docs/open311.md). The key is made here and shown once, right after
    saving a new client; only its hash is stored. A lost key: deactivate, add a new client."""

    list_display = ("name", "key_hint", "active", "per_hour", "created_at", "last_used_at")
    list_filter = ("active",)
    search_fields = ("name",)
    fields = ("name", "active", "per_hour", "key_hint", "created_at", "last_used_at")
    readonly_fields = ("key_hint", "created_at", "last_used_at")

    def save_model(self, request, obj, form, change):
        key = None
        if not change:
            key = new_key()
            obj.set_key(key)
        super().save_model(request, obj, form, change)
        if key:
            messages.warning(
                request,
                _("The API key of %(name)s (shown only now, copy it into the client): %(key)s")
                % {"name": obj.name, "key": key},
            )
