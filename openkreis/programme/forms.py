"""Forms of the programme office and the circles: every rule a person can break is checked
here and answered with a message on the field (the view then answers 400)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from openkreis.catalog.models import Service

from .models import AgendaItem, Measure, Meeting, Milestone, Project, Risk

DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]
DATE_HINT = _("For example 31.03.2027")


def _date_field(label, required=False):
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        help_text=DATE_HINT,
        widget=forms.DateInput(format="%d.%m.%Y"),
    )


class ProjectForm(forms.ModelForm):
    number = forms.IntegerField(label=_("Project number"), min_value=0, max_value=999, initial=0)
    start = _date_field(_("start"))
    end = _date_field(_("planned end"))
    budget_planned = forms.DecimalField(
        label=_("budget planned (EUR)"), min_value=0, max_digits=12, decimal_places=2,
        localize=True,
    )  # fmt: skip
    budget_spent = forms.DecimalField(
        label=_("budget spent (EUR)"), min_value=0, max_digits=12, decimal_places=2,
        localize=True,
    )  # fmt: skip

    class Meta:
        model = Project
        fields = [
            "title", "kind", "number", "goal", "owner", "org_unit", "team",
            "budget_planned", "budget_spent", "status", "status_reason", "phase",
            "start", "end", "app", "decision_needed", "depends_on",
        ]  # fmt: skip
        widgets = {"depends_on": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        others = Project.objects.order_by("kind", "number", "title")
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        self.fields["depends_on"].queryset = others
        self.fields["status_reason"].help_text = _("Required when the status is amber or red.")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The planned end must not be before the start."))
        if data.get("status") in ("amber", "red") and not (data.get("status_reason") or "").strip():
            self.add_error("status_reason", _("Say why the project is at risk or off track."))
        depends = data.get("depends_on")
        if depends and self.instance.pk:
            # a project must not (indirectly) depend on itself
            frontier = {p.pk for p in depends}
            seen: set[int] = set()
            while frontier:
                if self.instance.pk in frontier:
                    self.add_error(
                        "depends_on",
                        _("These dependencies would make the project depend on itself."),
                    )
                    break
                seen |= frontier
                frontier = (
                    set(
                        Project.depends_on.through.objects.filter(
                            from_project_id__in=frontier
                        ).values_list("to_project_id", flat=True)
                    )
                    - seen
                )
        return data


class NewProjectForm(ProjectForm):
    class Meta(ProjectForm.Meta):
        fields = ["key", *ProjectForm.Meta.fields]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].help_text = _(
            "Short name for the address: lower-case letters, digits and hyphens."
        )


class MilestoneForm(forms.ModelForm):
    due = _date_field(_("due on"), required=True)
    done_on = _date_field(_("reached on"))

    class Meta:
        model = Milestone
        fields = ["title", "due", "done_on"]

    def clean_done_on(self):
        done = self.cleaned_data.get("done_on")
        if done and done > dt.date.today() + dt.timedelta(days=1):
            raise forms.ValidationError(_("A milestone cannot be reached in the future."))
        return done


class RiskForm(forms.ModelForm):
    class Meta:
        model = Risk
        fields = ["title", "probability", "impact", "mitigation"]
        widgets = {"probability": forms.RadioSelect, "impact": forms.RadioSelect}


class MeasureForm(forms.ModelForm):
    due = _date_field(_("due on"), required=True)
    effective_on = _date_field(_("in effect since"))
    window_days = forms.IntegerField(
        label=_("comparison window (days)"),
        min_value=7,
        max_value=365,
        initial=90,
        help_text=_("How many days before and after the date are compared (7 to 365)."),
    )

    class Meta:
        model = Measure
        fields = ["title", "description", "owner", "due", "status", "effective_on", "window_days"]

    def clean_effective_on(self):
        day = self.cleaned_data.get("effective_on")
        if day and day > dt.date.today() + dt.timedelta(days=366):
            raise forms.ValidationError(_("Choose a date within the next year."))
        return day


class MeetingForm(forms.ModelForm):
    date = _date_field(_("date"), required=True)
    agenda = forms.CharField(
        label=_("agenda"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One item a line. Add the circle's service after a vertical bar to show its "
            "cockpit figures: “Waiting times | baugenehmigung-vereinfacht”."
        ),
    )

    class Meta:
        model = Meeting
        fields = ["title", "date", "notes"]

    def clean_agenda(self):
        items = []
        for line in self.cleaned_data["agenda"].splitlines():
            title, _bar, service = line.partition("|")
            title, service = title.strip(), service.strip()
            if not title:
                continue
            if len(title) > 200:
                raise forms.ValidationError(_("An agenda item is longer than 200 characters."))
            if service and not Service.objects.filter(slug=service).exists():
                raise forms.ValidationError(
                    _("“%(service)s” is no service of the catalogue.") % {"service": service[:120]}
                )
            items.append(AgendaItem(title=title, service=service))
        if not items:
            raise forms.ValidationError(_("Enter at least one agenda item."))
        if len(items) > 30:
            raise forms.ValidationError(_("A meeting has at most 30 agenda items."))
        return items
