from django.contrib import admin

from .alerts import forget_state
from .models import Alert, AlertRule, ImportBatch, ImportSource, ProcedureLabels

RULE = {"kpi", "mode", "value", "service", "org_unit", "active"}


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "kpi", "mode", "value", "service", "org_unit", "active", "checked_at"]
    list_filter = ["kpi", "mode", "active"]
    filter_horizontal = ["subscribers"]
    readonly_fields = ["checked_at", "checked_value", "checked_reference", "checked_broken"]

    def save_model(self, request, obj, form, change):
        if change and RULE.intersection(form.changed_data):
            forget_state(obj)  # a changed rule is checked anew
        super().save_model(request, obj, form, change)


@admin.register(ProcedureLabels)
class ProcedureLabelsAdmin(admin.ModelAdmin):
    """County data (the procedures' state names): read here, changed by load_tenant."""

    list_display = ["key", "services"]
    readonly_fields = ["key", "services", "states"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["rule", "raised_at", "cleared_at", "last_value", "reference", "notified_at"]
    readonly_fields = ["rule", "raised_at", "cleared_at", "last_value", "reference", "notified_at"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["name", "format", "status", "progress", "events", "cases", "created_at"]
    readonly_fields = ["errors", "progress", "events", "cases", "status", "rows", "skipped"]


@admin.register(ImportSource)
class ImportSourceAdmin(admin.ModelAdmin):
    """Name and owner unit of an imported process; its key and service slug stay as the
    imported cases carry them."""

    list_display = ["name", "service", "owner_unit", "updated_at"]
    readonly_fields = ["key", "service", "mapping"]
