"""Barrier reports in the Django admin (administrators only): read, never edited."""

from django.contrib import admin

from .models import BarrierReport


@admin.register(BarrierReport)
class BarrierReportAdmin(admin.ModelAdmin):
    list_display = ("created_at", "page_url", "email", "mailed_at")
    list_filter = ("mailed_at",)
    search_fields = ("page_url", "description")
    readonly_fields = (
        "created_at",
        "page_url",
        "description",
        "name",
        "email",
        "user",
        "mailed_at",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
