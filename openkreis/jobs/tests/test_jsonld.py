"""The JobPosting markup on every job page, validated against a JSON Schema written from
Google's job-posting structured-data requirements
(https://developers.google.com/search/docs/appearance/structured-data/job-posting):
required title, description, datePosted, hiringOrganization, jobLocation (or
applicantLocationRequirements with jobLocationType TELECOMMUTE); recommended validThrough,
employmentType, baseSalary, identifier, directApply. The markup is read from the rendered page."""

import datetime as dt
import json
from html.parser import HTMLParser

import jsonschema
import pytest
from django.utils import timezone

from openkreis.jobs import jsonld
from openkreis.jobs.models import Job

from .factories import employer_company, posting

pytestmark = pytest.mark.django_db

ISO_DATE = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?)?$"
EMPLOYMENT_TYPES = [
    "FULL_TIME",
    "PART_TIME",
    "CONTRACTOR",
    "TEMPORARY",
    "INTERN",
    "VOLUNTEER",
    "PER_DIEM",
    "OTHER",
]
POSTAL_ADDRESS = {
    "type": "object",
    "required": ["@type", "addressCountry"],
    "properties": {
        "@type": {"const": "PostalAddress"},
        "streetAddress": {"type": "string", "minLength": 1},
        "addressLocality": {"type": "string", "minLength": 1},
        "addressRegion": {"type": "string"},
        "postalCode": {"type": "string", "pattern": r"^\d{5}$"},
        "addressCountry": {"type": "string", "pattern": "^[A-Z]{2}$"},
    },
    # Google: at least locality, region or postal code besides the country
    "anyOf": [
        {"required": ["addressLocality"]},
        {"required": ["addressRegion"]},
        {"required": ["postalCode"]},
    ],
}
PLACE = {
    "type": "object",
    "required": ["@type", "address"],
    "properties": {"@type": {"const": "Place"}, "address": POSTAL_ADDRESS},
}
QUANTITATIVE = {
    "type": "object",
    "required": ["@type", "unitText"],
    "properties": {
        "@type": {"const": "QuantitativeValue"},
        "value": {"type": "number", "minimum": 0},
        "minValue": {"type": "number", "minimum": 0},
        "maxValue": {"type": "number", "minimum": 0},
        "unitText": {"enum": ["HOUR", "DAY", "WEEK", "MONTH", "YEAR"]},
    },
    "oneOf": [{"required": ["value"]}, {"required": ["minValue", "maxValue"]}],
}
JOB_POSTING_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["@context", "@type", "title", "description", "datePosted", "hiringOrganization"],
    "properties": {
        "@context": {"enum": ["https://schema.org/", "https://schema.org", "http://schema.org"]},
        "@type": {"const": "JobPosting"},
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "description": {"type": "string", "minLength": 1},
        "datePosted": {"type": "string", "pattern": ISO_DATE},
        "validThrough": {"type": "string", "pattern": ISO_DATE},
        "employmentType": {
            "oneOf": [
                {"enum": EMPLOYMENT_TYPES},
                {"type": "array", "minItems": 1, "items": {"enum": EMPLOYMENT_TYPES}},
            ]
        },
        "hiringOrganization": {
            "type": "object",
            "required": ["@type", "name"],
            "properties": {
                "@type": {"const": "Organization"},
                "name": {"type": "string", "minLength": 1},
                "sameAs": {"type": "string", "format": "uri", "pattern": "^https?://"},
                "logo": {"type": "string"},
            },
        },
        "jobLocation": {"oneOf": [PLACE, {"type": "array", "minItems": 1, "items": PLACE}]},
        "jobLocationType": {"const": "TELECOMMUTE"},
        "applicantLocationRequirements": {"type": ["object", "array"]},
        "baseSalary": {
            "type": "object",
            "required": ["@type", "currency", "value"],
            "properties": {
                "@type": {"const": "MonetaryAmount"},
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                "value": QUANTITATIVE,
            },
        },
        "identifier": {
            "type": "object",
            "required": ["@type", "name", "value"],
            "properties": {"@type": {"const": "PropertyValue"}},
        },
        "directApply": {"type": "boolean"},
    },
    # a place of work, or a remote job with where applicants may live
    "anyOf": [
        {"required": ["jobLocation"]},
        {"required": ["applicantLocationRequirements", "jobLocationType"]},
    ],
}


class _LdJson(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inside, self.blocks = False, []

    def handle_starttag(self, tag, attrs):
        if tag == "script" and dict(attrs).get("type") == "application/ld+json":
            self.inside = True
            self.blocks.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self.inside = False

    def handle_data(self, data):
        if self.inside:
            self.blocks[-1] += data


def ld_json_of(html: str) -> list:
    parser = _LdJson()
    parser.feed(html)
    return [json.loads(block) for block in parser.blocks]


def validate(data):
    jsonschema.Draft202012Validator(
        JOB_POSTING_SCHEMA, format_checker=jsonschema.FormatChecker()
    ).validate(data)


def test_the_schema_catches_a_missing_required_property():
    user, _company, employer = employer_company()
    data = jsonld.job_posting(posting(employer, user))
    validate(data)
    for name in ("title", "description", "datePosted", "hiringOrganization", "jobLocation"):
        broken = {k: v for k, v in data.items() if k != name}
        with pytest.raises(jsonschema.ValidationError):
            validate(broken)
    with pytest.raises(jsonschema.ValidationError):
        validate(data | {"employmentType": "FULLTIME"})


def test_full_posting_on_the_rendered_page(client):
    user, _company, employer = employer_company(website="https://tischlerei.example.org/")
    job = posting(
        employer,
        user,
        title="Tischler/in (m/w/d)",
        hours=Job.Hours.EITHER,
        salary_min=2800,
        salary_max=3400,
        salary_unit="MONTH",
        starts_on=timezone.localdate() + dt.timedelta(days=40),
        description="Möbelbau & Treppen.\n\nZweiter Absatz.",
        requirements="Gesellenbrief",
    )
    response = client.get(f"/bildung-arbeit/jobs/{job.key}/")
    assert response.status_code == 200
    [data] = ld_json_of(response.content.decode())
    validate(data)
    assert data["title"] == "Tischler/in (m/w/d)"
    assert data["description"].startswith("<p>Möbelbau &amp; Treppen.</p>")
    assert "Gesellenbrief" in data["description"]
    assert data["employmentType"] == ["FULL_TIME", "PART_TIME"]
    assert data["hiringOrganization"] == {
        "@type": "Organization",
        "name": "Harzer Testbetrieb GmbH",
        "sameAs": "https://tischlerei.example.org/",
    }
    address = data["jobLocation"]["address"]
    assert address["postalCode"] == "38855"
    assert address["addressCountry"] == "DE"
    assert address["streetAddress"] == "Breite Straße 1"
    assert data["baseSalary"]["value"] == {
        "@type": "QuantitativeValue",
        "minValue": 2800.0,
        "maxValue": 3400.0,
        "unitText": "MONTH",
    }
    assert data["validThrough"].startswith(job.valid_through.isoformat())
    assert data["datePosted"] == job.published_at.date().isoformat()
    assert data["identifier"]["value"] == str(job.key)
    assert data["url"].endswith(f"/bildung-arbeit/jobs/{job.key}/")


def test_minimal_posting_and_kinds():
    user, _company, employer = employer_company(website="")
    job = posting(
        employer, user, kind=Job.Kind.INTERNSHIP, street="", salary_min=1200, salary_unit="MONTH"
    )
    data = jsonld.job_posting(job)
    validate(data)
    assert data["employmentType"] == ["INTERN"]
    assert "sameAs" not in data["hiringOrganization"]
    assert "streetAddress" not in data["jobLocation"]["address"]
    assert data["baseSalary"]["value"]["value"] == 1200.0
    part = posting(employer, user, hours=Job.Hours.PART)
    assert jsonld.job_posting(part)["employmentType"] == ["PART_TIME"]


def test_script_cannot_be_closed_by_the_description(client):
    user, _company, employer = employer_company()
    job = posting(employer, user, description="Text </script><script>alert(1)</script> Ende")
    html = client.get(f"/bildung-arbeit/jobs/{job.key}/").content.decode()
    assert "<script>alert(1)" not in html
    [data] = ld_json_of(html)
    validate(data)
    assert "&lt;/script&gt;" in data["description"]


def test_closed_postings_have_no_markup(client):
    user, _company, employer = employer_company()
    expired = posting(employer, user)
    Job.objects.filter(pk=expired.pk).update(
        valid_through=timezone.localdate() - dt.timedelta(days=1)
    )
    response = client.get(f"/bildung-arbeit/jobs/{expired.key}/")
    assert response.status_code == 410
    assert ld_json_of(response.content.decode()) == []
    withdrawn = posting(employer, user, status="withdrawn")
    assert client.get(f"/bildung-arbeit/jobs/{withdrawn.key}/").status_code == 410
    draft = posting(employer, user, status="draft")
    assert client.get(f"/bildung-arbeit/jobs/{draft.key}/").status_code == 404
    # its own company sees a preview without markup, not indexed
    client.force_login(user)
    preview = client.get(f"/bildung-arbeit/jobs/{draft.key}/")
    assert preview.status_code == 200
    assert ld_json_of(preview.content.decode()) == []
    assert 'name="robots" content="noindex"' in preview.content.decode()


def test_job_page_event_and_employer_page(client):
    from openkreis.core.models import Event

    user, _company, employer = employer_company()
    job = posting(employer, user)
    expired = posting(employer, user, title="Abgelaufene Stelle")
    Job.objects.filter(pk=expired.pk).update(
        valid_through=timezone.localdate() - dt.timedelta(days=1)
    )
    client.get(f"/bildung-arbeit/jobs/{job.key}/")
    event = Event.objects.filter(kind="jobs.job_viewed").latest("pk")
    assert event.data == {"kind": "job", "field": "", "municipality": "150850370370"}
    page = client.get(f"/bildung-arbeit/arbeitgeber/{employer.slug}/").content.decode()
    assert job.title in page
    assert "Abgelaufene Stelle" not in page
