"""The management pages: dashboard, process view, fact sheet (PDF) and alerts. Each asks
the request for its filters and scope, the presenters for the figures, and renders them."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .. import aggregates, presenters, read, scope
from .. import alerts as alert_rules
from ..models import AlertRule
from ._common import cached, filters, manager_required, scoped, visible_alerts, visible_rules


@manager_required
def dashboard(request):
    aggregates.ensure_fresh()
    alert_rules.ensure_evaluated()  # the alerts shown agree with the figures shown
    form, chosen, services, _units = filters(request)
    if chosen is None:
        return render(request, "cockpit/dashboard.html", {"form": form}, status=400)
    with read.one_request():
        data = cached(
            "dashboard",
            (chosen.query_string(), chosen.units, sorted(services.items())),
            lambda: presenters.dashboard_data(chosen, services),
        )
        context = {
            "form": form,
            "filters": chosen,
            "query": chosen.query_string(),
            **data,
            "services": services,
            "service_name": services.get(chosen.service, ""),
            "alerts": presenters.alert_rows(visible_alerts(request)[:5]),
            "pending": aggregates.pending(),
        }
        return render(request, "cockpit/dashboard.html", context)


@manager_required
def process(request, service: str):
    aggregates.ensure_fresh()
    services, _units = presenters.display_names()
    data = read.process(service, units=scope.for_request(request))
    if not data["cases"]:
        raise Http404(_("No cases of this service in the cockpit."))
    return render(
        request, "cockpit/process.html", presenters.process_context(service, services, data)
    )


@manager_required
def factsheet(request, service: str):
    aggregates.ensure_fresh()
    services, _units = presenters.display_names()
    chosen = scoped(request, read.default_filters(presenters.today()))
    if service not in services or (chosen.services is not None and service not in chosen.services):
        raise Http404(_("No such service."))
    # imported here: WeasyPrint takes most of a second to load, and most processes that
    # serve the cockpit never write a PDF
    from weasyprint import HTML

    context = presenters.factsheet_context(service, services, chosen)
    html = render_to_string("cockpit/factsheet.html", context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="steckbrief-{service}.pdf"'
    return response


@manager_required
def alerts(request):
    aggregates.ensure_fresh()
    alert_rules.ensure_evaluated()
    active = visible_alerts(request)
    recent = visible_alerts(request, cleared=True)[:20]
    return render(
        request,
        "cockpit/alerts.html",
        {
            "rows": presenters.alert_rows(active),
            "recent": recent,
            "rules": presenters.rule_rows(visible_rules(request, AlertRule.objects.all())),
            # where the rules come from, for the county this site serves
            "rules_file": f"tenants/{settings.OPENKREIS_TENANT}/cockpit/alerts.yaml",
        },
    )
