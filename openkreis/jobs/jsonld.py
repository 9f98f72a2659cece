"""schema.org JobPosting markup for a job's page, as Google's job-posting structured data
asks for it (https://developers.google.com/search/docs/appearance/structured-data/job-posting):
required title, description (HTML allowed), datePosted, hiringOrganization, jobLocation;
recommended validThrough, employmentType, baseSalary, identifier, directApply.

`script(job, url)` gives the text for `<script type="application/ld+json">`, with <, > and &
escaped so the description cannot end the script element."""

from __future__ import annotations

import json

from django.utils.html import linebreaks

from .models import Job

# Google's employmentType values for our kinds and hours
HOURS_TYPES = {
    Job.Hours.FULL: ["FULL_TIME"],
    Job.Hours.PART: ["PART_TIME"],
    Job.Hours.EITHER: ["FULL_TIME", "PART_TIME"],
}
KIND_TYPES = {
    Job.Kind.INTERNSHIP: ["INTERN"],
    Job.Kind.MINI_JOB: ["PART_TIME"],
}
SALARY_UNITS = {"HOUR", "DAY", "WEEK", "MONTH", "YEAR"}
_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def employment_type(job: Job) -> list[str]:
    """Apprenticeships and dual study are training at the company's hours."""
    return KIND_TYPES.get(job.kind) or HOURS_TYPES.get(job.hours, ["OTHER"])


def _description(job: Job) -> str:
    text = job.description
    if job.requirements:
        text += "\n\n" + job.requirements
    return linebreaks(text, autoescape=True)


def job_posting(job: Job, url: str = "") -> dict:
    """The JobPosting as a dict (for the page and the tests)."""
    employer = job.employer
    organisation = {"@type": "Organization", "name": employer.name}
    if employer.website:
        organisation["sameAs"] = employer.website
    address = {
        "@type": "PostalAddress",
        "postalCode": job.postcode,
        "addressLocality": job.town or (job.municipality.name if job.municipality else ""),
        "addressRegion": "Sachsen-Anhalt",
        "addressCountry": "DE",
    }
    if job.street:
        address["streetAddress"] = job.street
    place = {"@type": "Place", "address": address}
    if job.lat is not None and job.lon is not None:
        place["geo"] = {"@type": "GeoCoordinates", "latitude": job.lat, "longitude": job.lon}
    posted = job.published_at or job.created_at
    data = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": job.title,
        "description": _description(job),
        "datePosted": posted.date().isoformat(),
        "validThrough": f"{job.valid_through.isoformat()}T23:59:59",
        "employmentType": employment_type(job),
        "hiringOrganization": organisation,
        "jobLocation": place,
        "identifier": {"@type": "PropertyValue", "name": employer.name, "value": str(job.key)},
        # applications go to the employer's address or site, not through this page
        "directApply": False,
    }
    if url:
        data["url"] = url
    if job.starts_on:
        data["jobStartDate"] = job.starts_on.isoformat()
    salary = _salary(job)
    if salary:
        data["baseSalary"] = salary
    return data


def _salary(job: Job) -> dict | None:
    low, high = job.salary_min, job.salary_max
    if low is None and high is None:
        return None
    value: dict = {"@type": "QuantitativeValue", "unitText": job.salary_unit or "MONTH"}
    if low is not None and high is not None and low != high:
        value["minValue"] = float(low)
        value["maxValue"] = float(high)
    else:
        value["value"] = float(low if low is not None else high)
    return {"@type": "MonetaryAmount", "currency": "EUR", "value": value}


def script(job: Job, url: str = "") -> str:
    """JSON for the page's ld+json script element (safe inside HTML)."""
    return json.dumps(job_posting(job, url), ensure_ascii=False).translate(_ESCAPES)
