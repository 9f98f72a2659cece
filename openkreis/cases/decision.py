"""The decision letter (Bescheid) as PDF/A, rendered with WeasyPrint from a template per
procedure (cases/decision/<procedure>.html, falling back to the generic one)."""

from __future__ import annotations

from django.template.loader import select_template
from django.utils import timezone

from openkreis.core.services import current_tenant

OUTCOME_TEXT = {
    "granted": "Ihrem Antrag wird stattgegeben.",
    "partly": "Ihrem Antrag wird teilweise stattgegeben.",
    "refused": "Ihr Antrag wird abgelehnt.",
    "withdrawn": "Das Verfahren wird eingestellt, da Sie Ihren Antrag zurückgenommen haben.",
}


def render_decision(case, *, outcome: str, text: str) -> bytes:
    """The decision letter for `case` as PDF/A-3b bytes."""
    from weasyprint import HTML

    template = select_template(
        [f"cases/decision/{case.procedure.key}.html", "cases/decision/generic.html"]
    )
    tenant = current_tenant()
    html = template.render(
        {
            "case": case,
            "tenant": tenant,
            "outcome_text": OUTCOME_TEXT[outcome],
            "reasoning": text,
            "today": timezone.localdate(),
            "unit": case.org_unit,
            "location": case.org_unit.visitor_locations()[0]
            if case.org_unit.visitor_locations()
            else None,
        }
    )
    return HTML(string=html).write_pdf(pdf_variant="pdf/a-3b")
