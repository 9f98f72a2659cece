"""Django admin for what the pages do not edit: circles and their members."""

from django.contrib import admin

from .models import AgendaItem, Circle, CircleMember, Measure, Meeting, Project


class MemberInline(admin.TabularInline):
    model = CircleMember
    extra = 1
    raw_id_fields = ("user", "company")


@admin.register(Circle)
class CircleAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "service")
    inlines = [MemberInline]


class AgendaInline(admin.TabularInline):
    model = AgendaItem
    extra = 1


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ("title", "circle", "date")
    inlines = [AgendaInline]


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ("title", "circle", "status", "due", "effective_on")


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "number", "status", "phase")
