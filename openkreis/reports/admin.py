"""The Mängelmelder's county data in the Django admin (administrators only) — to look at;
it is changed in tenants/<slug>/reports.yaml and reloaded with `load_tenant`. Reports are
worked on in the back office (/maengelmelder/bearbeitung/), so here they are read-only."""

from django.contrib import admin

from .models import Area, Category, Report, Route, StatusTemplate


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
