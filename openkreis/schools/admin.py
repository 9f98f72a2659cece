"""The authority registers a driving school and links its company account here (Django
admin, administrators only); the county's schools also come from tenants/<slug>/schools.yaml."""

from django.contrib import admin

from .models import DrivingSchool


@admin.register(DrivingSchool)
class DrivingSchoolAdmin(admin.ModelAdmin):
    list_display = ("name", "permit_number", "city", "company", "active")
    search_fields = ("name", "permit_number", "key")
    list_filter = ("active",)
    raw_id_fields = ("company",)
    readonly_fields = ("public_id", "created_at")
