from django.contrib import admin

from .models import Alert, AlertRule, ImportBatch


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "kpi", "mode", "value", "service", "org_unit", "active"]
    list_filter = ["kpi", "mode", "active"]
    filter_horizontal = ["subscribers"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["rule", "raised_at", "cleared_at", "last_value", "reference", "notified_at"]
    readonly_fields = ["rule", "raised_at", "cleared_at", "last_value", "reference", "notified_at"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["name", "format", "status", "progress", "events", "cases", "created_at"]
    readonly_fields = ["errors", "progress", "events", "cases", "status"]
