"""The decision letter (Bescheid) as PDF/A, rendered with WeasyPrint from a template per
procedure (cases/decision/<procedure>.html, falling back to the generic one). The letter's
text is its own template (`_body.html`, or `<procedure>_body.html`), so the case page can show
the caseworker exactly that text before the decision is issued."""

from __future__ import annotations

import re

from django.template.loader import select_template
from django.utils import timezone
from weasyprint import HTML

from openkreis.core.services import current_tenant, nearest_location

OUTCOME_TEXT = {
    "granted": "Ihrem Antrag wird stattgegeben.",
    "partly": "Ihrem Antrag wird teilweise stattgegeben.",
    "refused": "Ihr Antrag wird abgelehnt.",
    "withdrawn": "Das Verfahren wird eingestellt, da Sie Ihren Antrag zurückgenommen haben.",
}
# For the mailbox subject: what was decided, in one or two words.
OUTCOME_SHORT = {
    "granted": "stattgegeben",
    "partly": "teilweise stattgegeben",
    "refused": "abgelehnt",
    "withdrawn": "eingestellt",
}


def letter_context(case, *, outcome: str, text: str) -> dict:
    # The office recorded for the applicant; for cases from before it was recorded, the
    # unit's office nearest to the applicant's town (as the competence finder would choose).
    office = (
        case.office
        if case.office_id
        else nearest_location(case.org_unit.visitor_locations(), case.region)
    )
    return {
        "case": case,
        "tenant": current_tenant(),
        "outcome_text": OUTCOME_TEXT[outcome],
        "reasoning": text,
        "today": timezone.localdate(),
        "unit": case.org_unit,
        "location": office,
        "body_template": select_template(
            [f"cases/decision/{case.procedure.key}_body.html", "cases/decision/_body.html"]
        ),
    }


def render_letter_body(case, *, outcome: str, text: str) -> str:
    """The letter's text as HTML for the preview on the case page. Its headings move two
    levels down, so the page keeps one h1 and the letter sits under the page's own h2."""
    context = letter_context(case, outcome=outcome, text=text)
    html = context["body_template"].render(context)
    for level in (2, 1):  # h2 → h4 first, so a former h1 is not moved twice
        html = re.sub(rf"<(/?)h{level}\b", rf"<\1h{level + 2}", html)
    return html


def render_decision(case, *, outcome: str, text: str) -> bytes:
    """The decision letter for `case` as PDF/A-3b bytes."""
    template = select_template(
        [f"cases/decision/{case.procedure.key}.html", "cases/decision/generic.html"]
    )
    html = template.render(letter_context(case, outcome=outcome, text=text))
    return HTML(string=html).write_pdf(pdf_variant="pdf/a-3b")
