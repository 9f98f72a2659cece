"""The forms app's public functions: the only way other apps (and its own views) change its data."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Case, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from openkreis.catalog.models import Service
from openkreis.core import event_kinds
from openkreis.core.loader import LoadReport, TenantDataError
from openkreis.core.models import Tenant
from openkreis.core.services import record_event
from openkreis.core.setupcache import SetupCache

from . import engine, integration
from .models import Application, ApplicationFile, Feedback, FormDefinition, FormVersion
from .schema import DefinitionError, checksum, normalise

GENERIC_FORM = "allgemeiner-antrag"
ONLINE_PREFIX = "/antrag/"
ABANDON_AFTER_DAYS = 30


class FormError(Exception):
    """A domain error with a message for the user (already translated)."""


class NotSubmittable(FormError):
    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems
        super().__init__(_("Some answers are missing or not valid."))


class FileRefused(FormError):
    """A stored upload the eAkte refuses at submission: removed from the draft; `page` and
    `path` (the field's html id) say where the citizen uploads another one."""

    def __init__(self, page: str, path: str, message: str, label: str = ""):
        self.page = page
        self.path = path
        self.label = label
        super().__init__(message)


# --- definitions --------------------------------------------------------------------------


def read_definitions(folder: Path) -> list[dict]:
    """Read and check every form in `<tenant folder>/forms/`; raise DefinitionError on any error.

    Files starting with `_` hold reusable pages (`use: <name>`), not forms."""
    forms_dir = Path(folder) / "forms"
    if not forms_dir.is_dir():
        return []
    blocks: dict[str, dict] = {}
    for path in sorted(forms_dir.glob("_*.yaml")):
        content = _yaml(path)
        blocks.update((content or {}).get("pages") or {})
    result = []
    for path in sorted(forms_dir.glob("[!_]*.yaml")):
        spec = _yaml(path)
        if isinstance(spec, dict) and isinstance(spec.get("pages"), list):
            spec["pages"] = [_expand(page, blocks, path.name) for page in spec["pages"]]
        result.append(normalise(spec, where=path.name))
    return result


def _yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DefinitionError(f"{path.name}: not valid YAML: {exc}") from None


def _expand(page: Any, blocks: dict, where: str) -> Any:
    if not isinstance(page, dict) or "use" not in page:
        return page
    name = page["use"]
    if name not in blocks:
        raise DefinitionError(f"{where}: unknown page block {name!r}")
    merged = dict(blocks[name])
    merged.update({k: v for k, v in page.items() if k != "use"})
    return merged


@transaction.atomic
def store_definition(
    tenant: Tenant, definition: dict, source: str = "yaml"
) -> tuple[FormDefinition, bool]:
    """Create or update one form definition; (form, changed). Unchanged content writes nothing."""
    digest = checksum(definition)
    service = None
    if definition["service"]:
        service = Service.objects.filter(tenant=tenant, slug=definition["service"]).first()
        if service is None:
            raise DefinitionError(f"{definition['key']}: unknown service {definition['service']!r}")
    form = FormDefinition.objects.filter(tenant=tenant, key=definition["key"]).first()
    values = {
        "service": service,
        "title": definition["title"]["de"],
        "title_en": definition["title"].get("en", ""),
        "version": definition["version"],
        "definition": definition,
        "source": source,
        "checksum": digest,
    }
    if form is None:
        form = FormDefinition.objects.create(tenant=tenant, key=definition["key"], **values)
        current_version(form)
        return form, True
    if form.checksum == digest and form.service_id == (service.pk if service else None):
        return form, False
    for name, value in values.items():
        setattr(form, name, value)
    form.save()
    current_version(form)  # a new version when the content changed; drafts keep theirs
    return form, True


def current_version(form: FormDefinition) -> FormVersion:
    """The form's newest version; a new one when the definition changed since (also for a
    form stored before versions existed or written directly)."""
    latest = form.versions.order_by("-number").first()
    if latest is not None and latest.checksum == form.checksum:
        return latest
    # the row as it is now: the caller's copy may have been read without its definition
    # (`form_for_service(definition=False)`) before a new import changed both
    form = FormDefinition.objects.get(pk=form.pk)
    if latest is not None and latest.checksum == form.checksum:
        return latest
    return FormVersion.objects.create(
        form=form,
        number=(latest.number + 1) if latest else 1,
        version=form.version,
        definition=form.definition,
        checksum=form.checksum,
        source=form.source,
    )


def load_forms(tenant: Tenant, folder: Path) -> tuple[int, int]:
    """Load the tenant's form folder (idempotent); returns (created or updated, unchanged)."""
    changed = unchanged = 0
    with transaction.atomic():
        for definition in read_definitions(folder):
            _form, was_changed = store_definition(tenant, definition)
            changed += was_changed
            unchanged += not was_changed
    return changed, unchanged


def load_county_data(tenant: Tenant, folder: Path, report: LoadReport) -> None:
    """County data step (core.tenant_data): tenants/<slug>/forms/*.yaml, every form checked,
    stored when changed (idempotent). A form with an error stops the county load and names
    the file."""
    try:
        changed, unchanged = load_forms(tenant, folder)
    except DefinitionError as exc:
        raise TenantDataError(f"forms: {exc}") from exc
    report.updated += changed
    if changed:
        report.details.append(f"forms: {changed} created or updated, {unchanged} unchanged")


def form_for_service(service: Service, *, definition: bool = True) -> FormDefinition | None:
    """The service's own form, else the generic form if the service is offered online here.
    `definition=False` leaves the form's (newest) definition unread until it is used: starting
    an application needs its checksum, and its version's copy."""
    forms = FormDefinition.objects.all()
    if not definition:
        forms = forms.defer("definition")
    if not (service.online_url.startswith(ONLINE_PREFIX) and service.maturity >= 3):
        return forms.filter(service=service).first()
    # one query for both, one row: the service's own form first (by key), else the generic
    own_first = Case(When(service_id=service.pk, then=Value(0)), default=Value(1))
    generic = Q(tenant_id=service.tenant_id, key=GENERIC_FORM)
    return forms.filter(Q(service=service) | generic).order_by(own_first, "key").first()


def form_title(form: FormDefinition, service: Service) -> str:
    """The heading of a service's online form: the form's own title, or for the generic form
    (shared by every service without its own) "Antrag: <service>" — never a bare "Apply"."""
    if form.service_id is None:
        return _("Application: %(service)s") % {"service": service.display_name}
    return engine.tr(form.definition["title"])


def application_title(application: Application) -> str:
    """The heading of an application's pages: as `form_title`, but from the version it is
    filled in with (`Application.definition`), so a newer version does not rename a draft."""
    if application.form.service_id is None:  # the generic form: named after the service
        return form_title(application.form, application.service)
    return engine.tr(application.definition["title"])


# --- applications -------------------------------------------------------------------------


def applications_for_cases(case_ids) -> QuerySet[Application]:
    """The submitted applications behind these cases (a company's applications), newest first.
    The caller has checked the right to see them."""
    return (
        Application.objects.filter(case_id__in=list(case_ids))
        .select_related("service", "form")
        .order_by("-submitted_at")
    )


def applications_of(user) -> QuerySet[Application]:
    """Every application of this account (never anyone else's)."""
    if not getattr(user, "is_authenticated", False):
        return Application.objects.none()
    # The form's own definition is its newest version's; an application is shown and sent
    # with the version it was started with, so the form's copy (a second JSON document of up
    # to tens of kB for a FIM form) is read only for an application without a version.
    return (
        Application.objects.filter(user=user)
        .select_related("service", "form", "form_version")
        .defer("form__definition")
    )


# The service and form an application's pages name, per process (core.setupcache): every
# request of a citizen's form reads its application, and joining the service (about thirty
# columns) and the form made that read cost about twice the CPU of the application with its
# version alone, most of it the ORM compiling the wider query (docs/scaling.md, "Submissions
# at peak"). Emptied at once in the process that saves a service or form, in the others
# after `OPENKREIS_ROUTING_CACHE_SECONDS`, as the eAkte's routing of new cases.
catalogue_cache = SetupCache(
    "forms-service-form",
    {"catalog.Service", "forms.FormDefinition"},
    "OPENKREIS_ROUTING_CACHE_SECONDS",
)


def own_application(user, public_id, statuses: Iterable[str] = ()) -> Application:
    """One application of this account in one of `statuses` (any when empty) for its pages;
    Application.DoesNotExist for anyone else's. The version it is filled in with is read with
    it; its service and its form (without the form's newest definition) are the set-up
    cache's shared instances — read them, never change them. An application without a
    version (written directly, before versions existed) reads its own form, whose definition
    it uses."""
    if not getattr(user, "is_authenticated", False):
        raise Application.DoesNotExist
    found = Application.objects.filter(user=user, public_id=public_id)
    if statuses:
        found = found.filter(status__in=list(statuses))
    application = found.select_related("form_version").get()
    application.user = user  # the query asked for no one else's
    service_id, form_id = application.service_id, application.form_id
    application.service = catalogue_cache.get(
        ("service", service_id), lambda: Service.objects.get(pk=service_id)
    )
    if application.form_version_id is None:
        application.form = FormDefinition.objects.get(pk=form_id)
    else:
        application.form = catalogue_cache.get(
            ("form", form_id), lambda: FormDefinition.objects.defer("definition").get(pk=form_id)
        )
    return application


def open_draft(user, service: Service) -> Application | None:
    return applications_of(user).filter(service=service, status=Application.Status.DRAFT).first()


@transaction.atomic
def start_application(user, service: Service, form: FormDefinition | None = None) -> Application:
    """A new draft for the service, prefilled from the user's profile; emits application.started.
    `form`: the service's form (`form_for_service`) when the caller has just read it."""
    form = form or form_for_service(service, definition=False)
    if form is None:
        raise FormError(_("This service cannot be applied for online yet."))
    profile = integration.profile_data(user)
    version = current_version(form)
    data: dict[str, Any] = {}
    for path, f in engine.single_fields(version.definition):
        value = profile.get(f.get("prefill", ""))
        if value and not engine.check_value(f, value):
            if len(path) == 1:
                data[path[0]] = value
            else:
                data.setdefault(path[0], {})[path[1]] = value
    application = Application.objects.create(
        user=user, form=form, form_version=version, service=service, data=data
    )
    record_event(
        event_kinds.APPLICATION_STARTED,
        subject=f"draft:{application.pk}",
        data={"service": service.slug, "form": form.key},
    )
    return application


def save_answers(application: Application, page_key: str, values: dict[str, Any]) -> Application:
    """Store the answers of one page (already checked by the engine) in the draft."""
    if application.status != Application.Status.DRAFT:
        raise FormError(_("This application has already been sent."))
    data = dict(application.data)
    page = next(p for p in application.definition["pages"] if p["key"] == page_key)
    for f in page["fields"]:
        data.pop(f["key"], None)
    data.update({k: v for k, v in values.items() if v is not None})
    application.data = data
    application.last_page = page_key
    application.save(update_fields=["data", "last_page", "updated_at"])
    return application


def field_spec(application: Application, path: str) -> dict | None:
    """The file field behind an html path like f-passport or f-household-0-proof."""
    fields = engine.all_fields(application.definition)
    parts = path.removeprefix("f-").split("-")
    spec = fields.get(parts[0])
    if spec and spec["type"] == "group" and len(parts) >= 2:
        sub_key = parts[-1]
        spec = next((s for s in spec["fields"] if s["key"] == sub_key), None)
    return spec if spec and spec["type"] == "file" else None


def add_file(application: Application, path: str, upload: UploadedFile) -> ApplicationFile:
    """Check an upload by its content and keep it in the draft; FormError with the reason."""
    if application.status != Application.Status.DRAFT:
        raise FormError(_("This application has already been sent."))
    spec = field_spec(application, path)
    if spec is None:
        raise FormError(_("This upload does not belong to the form."))
    if application.files.filter(field=path).count() >= spec["max_files"]:
        raise FormError(_("You have already uploaded the maximum number of files here."))
    # the draft keeps what the eAkte would store (neutralised PDF, image without passenger)
    content_type, data = integration.check_upload(upload, spec["accept"], spec["max_size_mb"])
    name = re.sub(r"[^\w.\- ]", "_", Path(upload.name or "upload").name)[:200] or "upload"
    stored = ApplicationFile(
        application=application,
        field=path,
        name=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    stored.file.save(name, ContentFile(data), save=False)
    _make_durable(stored.file)
    stored.save()
    return stored


def _make_durable(field_file) -> None:
    """fsync an upload written to the local disk (file and folder) before its row commits:
    sending acknowledges an application only after its bytes are safe, also from a power
    failure (object storage is durable when its PUT returns: nothing to do there)."""
    import os

    try:
        path = field_file.path
    except NotImplementedError:  # Django's answer of a storage without local files (S3)
        return
    for target, flags in ((path, os.O_RDONLY), (os.path.dirname(path), os.O_RDONLY)):
        fd = os.open(target, flags)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def page_of_field(application: Application, path: str) -> str:
    """The key of the page that holds the field behind an html path (f-key or f-group-…)."""
    key = path.removeprefix("f-").split("-")[0]
    for page in application.definition["pages"]:
        if any(f["key"] == key for f in page["fields"]):
            return page["key"]
    return ""


def check_stored_files(application: Application, *, changed_only: bool = False) -> None:
    """Every upload of the draft through the eAkte's check again, before anything is sent
    (a draft from before the check at upload, or a check that became stricter since). The
    first refused file is removed from the draft and raised as FileRefused (issue 16 F5).

    `changed_only` (the submit request): only files whose bytes are no longer the bytes
    checked at upload (their SHA-256 differs) go through the full check here; the others
    were checked at upload and are checked again by the worker that opens the case, after
    the acknowledgement (a stricter check since then sends the application back)."""
    for stored in application.files.all():
        try:
            stored.file.open("rb")
            data = stored.file.read()
        except OSError:
            data = b""
        finally:
            stored.file.close()
        if changed_only and data and hashlib.sha256(data).hexdigest() == stored.sha256:
            continue
        refusal = integration.case_file_refusal(stored.name, data)
        if not refusal:
            continue
        path, name = stored.field, stored.name
        label = engine.tr((field_spec(application, path) or {}).get("label"))
        stored.file.delete(save=False)
        stored.delete()
        message = _(
            "The file %(name)s was removed from your application: %(reason)s Please upload "
            "another file."
        ) % {"name": name, "reason": refusal}
        raise FileRefused(page_of_field(application, path), path, message, label)


def remove_file(application: Application, file_id: str) -> None:
    if application.status != Application.Status.DRAFT:
        raise FormError(_("This application has already been sent."))
    try:
        public_id = uuid.UUID(file_id)
    except ValueError:  # not one of our ids: nothing to remove (it answered 500, issue 16 F6)
        return
    for stored in application.files.filter(public_id=public_id):
        stored.file.delete(save=False)
        stored.delete()


def files_by_field(application: Application) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for stored in application.files.all():
        result.setdefault(stored.field, []).append(str(stored.public_id))
    return result


def with_files(application: Application) -> dict[str, Any]:
    """The draft's answers with the file fields filled from the stored uploads."""
    data = dict(application.data)
    files = files_by_field(application)
    for page in application.definition["pages"]:
        for f in page["fields"]:
            if f["type"] == "file":
                ids = files.get(engine.html_id(f["key"]))
                data.pop(f["key"], None)
                if ids:
                    data[f["key"]] = ids
            elif f["type"] == "group" and isinstance(data.get(f["key"]), dict | list):
                data[f["key"]] = _group_files(f, data[f["key"]], files)
    return data


def _group_files(f: dict, value: Any, files: dict[str, list[str]]) -> Any:
    """A group's answers with its file fields taken from the stored uploads (a file removed
    since the page was saved no longer counts)."""
    subs = [s for s in f["fields"] if s["type"] == "file"]
    if not subs:
        return value

    def refresh(item: Any, *prefix: Any) -> Any:
        if not isinstance(item, dict):
            return item
        item = dict(item)
        for sub in subs:
            ids = files.get(engine.html_id(f["key"], *prefix, sub["key"]))
            item.pop(sub["key"], None)
            if ids:
                item[sub["key"]] = ids
        return item

    if isinstance(value, list):
        return [refresh(item, i) for i, item in enumerate(value)]
    return refresh(value)


# The fields of an application that change after it was started (`submit` reads them again
# under the row's lock); the others are set when the draft is created.
_CHANGING = [
    f.attname
    for f in Application._meta.concrete_fields
    if not f.is_relation and f.name not in ("id", "public_id", "idempotency_key", "started_at")
]


def submit(application: Application, idempotency_key: str) -> Application:
    """Validate everything again and acknowledge: the application is `submitted` (durably
    committed with its uploads) and handed to a worker that opens the case
    (`register_submitted`); until then the citizen sees "wird geprüft".

    Idempotent: the key travels in the submit form; the same key (double click, retried
    request) returns the same application, and intake turns the key into one case only.
    Without a broker (tests, `make run`) the worker's step runs at once, in this request."""
    if str(application.idempotency_key) != str(idempotency_key):
        raise FormError(_("This page is out of date. Please check your answers and send again."))
    if application.status == Application.Status.DRAFT:
        # all files again when the worker sent this application back (a file it refused
        # is removed here, with the message at its field)
        check_stored_files(application, changed_only=not application.registration_error)
    with transaction.atomic():
        # Lock the row and read again what may have changed since the caller read it (status,
        # answers, case); the form version the draft was started with, the service and the
        # account stay, so the caller's are kept instead of joined and parsed again (two JSON
        # definitions). The uploads are read under the lock, never from an earlier read.
        application.refresh_from_db(
            from_queryset=Application.objects.select_for_update(), fields=_CHANGING
        )
        getattr(application, "_prefetched_objects_cache", {}).pop("files", None)
        if application.status == Application.Status.DRAFT:
            definition = application.definition
            data = engine.clean_answers(definition, with_files(application))
            problems = engine.validate_all(definition, data)
            if problems:
                raise NotSubmittable(problems)
            if integration.fee_due(application) and not integration.is_paid(application):
                raise FormError(_("Please pay the fee before you send the application."))
            # The case needs the applicant's name: a form without it cannot be sent, and
            # anything the eAkte refuses is the citizen's message, never a server error.
            if not integration.applicant_name(application, data):
                raise FormError(
                    _("Your name is missing in this application. Please add it in your account.")
                )
            application.status = Application.Status.SUBMITTED
            application.submitted_at = timezone.now()
            application.data = data
            application.registration_error = ""
            application.save(
                update_fields=["status", "submitted_at", "data", "registration_error", "updated_at"]
            )
        elif application.status != Application.Status.SUBMITTED:
            raise FormError(_("This application was deleted."))
    # Committed: the acknowledgement holds even if every process dies now (the sweep
    # `requeue_unregistered` hands an application without a case to a worker again).
    if application.case_id is None:
        _dispatch(application)
    return application


def _dispatch(application: Application) -> None:
    """Hand a sent application to a worker; without a broker the step runs here, and the
    caller's object shows its outcome (a case, or a draft again with the reason)."""
    from . import tasks

    task = tasks.register_application
    if task.app.conf.task_always_eager:
        register_submitted(application.pk)
        application.refresh_from_db()
        return
    try:
        task.delay(application.pk)
    except Exception:  # noqa: BLE001 - the broker is down: the sweep sends it later
        import logging

        logging.getLogger(__name__).warning(
            "broker unavailable, application %s waits for the sweep", application.pk
        )


def register_submitted(application_id: int) -> str:
    """The worker's step: open the case for a sent application (the eAkte checks every
    file again, extracts its text and stores it; file number, audit, events). Idempotent:
    a second delivery finds the case and does nothing. When the eAkte or the registration
    backend refuses, the application is a draft again and `registration_error` says why
    (the citizen sees it). Returns what happened: registered, already, returned, gone."""
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",))
            .select_related("form", "form_version", "service", "user")
            .defer("form__definition")  # sent with its version's (`Application.definition`)
            .filter(pk=application_id)
            .first()
        )
        if application is None or application.status != Application.Status.SUBMITTED:
            return "gone"
        if application.case_id is not None:
            return "already"
        try:
            with transaction.atomic():
                case = integration.create_case(application, application.data)
        except (integration.CaseError, integration.UploadRejected, FormError) as exc:
            application.status = Application.Status.DRAFT
            application.submitted_at = None
            application.registration_error = str(exc)
            application.save(
                update_fields=["status", "submitted_at", "registration_error", "updated_at"]
            )
            return "returned"
        application.case_id = case.pk
        application.file_number = integration.file_number(case)
        application.save(update_fields=["case_id", "file_number", "updated_at"])
    return "registered"


REQUEUE_AFTER_SECONDS = 30


def unregistered(min_age_seconds: int = REQUEUE_AFTER_SECONDS) -> list[int]:
    """Sent applications still without a case after `min_age_seconds` (their task was lost
    with a killed worker or a broker outage), oldest first."""
    cutoff = timezone.now() - dt.timedelta(seconds=min_age_seconds)
    return list(
        Application.objects.filter(
            status=Application.Status.SUBMITTED, case_id=None, submitted_at__lte=cutoff
        )
        .order_by("submitted_at")
        .values_list("pk", flat=True)[:5000]
    )


def requeue_unregistered(min_age_seconds: int = REQUEUE_AFTER_SECONDS) -> int:
    """The beat task's sweep: hand every stale outbox entry to a worker again (idempotent,
    so one that is in fact still running is not done twice); how many."""
    from . import tasks

    ids = unregistered(min_age_seconds)
    for pk in ids:
        tasks.register_application.delay(pk)
    return len(ids)


@transaction.atomic
def abandon(application: Application) -> None:
    """The citizen deletes a draft: its uploads go, the event stays (without personal data)."""
    if application.status != Application.Status.DRAFT:
        raise FormError(_("Only drafts can be deleted."))
    for stored in application.files.all():
        stored.file.delete(save=False)
    application.files.all().delete()
    application.status = Application.Status.ABANDONED
    application.data = {}
    application.save(update_fields=["status", "data", "updated_at"])
    record_event(
        event_kinds.APPLICATION_ABANDONED,
        subject=f"draft:{application.pk}",
        data={
            "service": application.service.slug,
            "form": application.form.key,
            "page": application.last_page,
        },
    )


def abandon_stale_drafts(days: int = ABANDON_AFTER_DAYS) -> int:
    """Drafts untouched for `days` count as abandoned (for the cockpit); returns how many."""
    cutoff = timezone.now() - dt.timedelta(days=days)
    count = 0
    for application in Application.objects.filter(
        status=Application.Status.DRAFT, updated_at__lt=cutoff
    ).select_related("service", "form"):
        abandon(application)
        count += 1
    return count


# --- feedback -------------------------------------------------------------------------------

MASK_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
MASK_DIGITS = re.compile(r"\d")


def mask(text: str) -> str:
    """Digits and e-mail addresses masked, at most 500 characters (docs/events.md)."""
    return MASK_DIGITS.sub("#", MASK_EMAIL.sub("[e-mail]", text or ""))[:500]


@transaction.atomic
def give_feedback(application: Application, rating: int, comment: str = "") -> Feedback:
    """Store one rating without any link to the person or case; once per application."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.feedback_given:
        raise FormError(_("You have already rated this service. Thank you!"))
    from .status import is_decided

    if application.status != Application.Status.SUBMITTED or not is_decided(application):
        raise FormError(_("You can rate the service after the decision."))
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise FormError(_("Choose a rating from 1 to 5."))
    org_unit = integration.case_org_unit_key(application)
    feedback = Feedback.objects.create(
        tenant=application.service.tenant.slug,
        service=application.service.slug,
        org_unit=org_unit,
        rating=rating,
        comment=mask(comment.strip()),
    )
    application.feedback_given = True
    application.save(update_fields=["feedback_given"])
    record_event(
        event_kinds.FEEDBACK_SUBMITTED,
        subject=f"feedback:{feedback.pk}",
        data={
            "service": feedback.service,
            "org_unit": org_unit,
            "rating": rating,
            "comment": feedback.comment,
        },
    )
    return feedback


# --- FIM import -----------------------------------------------------------------------------


XDF_MAX_BYTES = 10 * 1024 * 1024  # the largest published Stammdatenschemata have 1–2 MB
CODE_LIST_FOLDER = "codelisten"


def code_lists_for(tenant: Tenant, folders: list[Path] | tuple = ()) -> Any:
    """The code lists an import can use: the county's own folder
    (`tenants/<slug>/codelisten/*.xml`, genericode) and the given folders (the schema's own
    folder first, so a list delivered with the schema wins over an older county copy)."""
    from django.conf import settings

    from .xdatenfelder import CodeLists

    registry = CodeLists()
    county = Path(getattr(settings, "OPENKREIS_TENANTS_DIR", "tenants")) / tenant.slug
    for folder in [county / CODE_LIST_FOLDER, *reversed([Path(f) for f in folders])]:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.xml")):
            if path.stat().st_size > XDF_MAX_BYTES:
                continue
            content = path.read_bytes()
            if b"genericode" in content[:2000]:
                registry.add_file(content, path.name)
    return registry


def preview_xdatenfelder(
    tenant: Tenant,
    xml: bytes,
    key: str | None = None,
    service_slug: str = "",
    code_lists: Any = None,
) -> tuple[dict | None, Any]:
    """What importing would give, without storing anything: (definition or None, report)."""
    from .xdatenfelder import ImportReport, parse

    if len(xml) > XDF_MAX_BYTES:
        report = ImportReport()
        report.note(
            f"Die Datei ist {len(xml) / 1024 / 1024:.1f} MB groß; erlaubt sind höchstens "
            f"{XDF_MAX_BYTES // 1024 // 1024} MB. Bitte prüfen Sie, ob es wirklich ein "
            "Stammdatenschema ist."
        )
        return None, report
    if code_lists is None:
        code_lists = code_lists_for(tenant)
    definition, report = parse(xml, key=key, service=service_slug, code_lists=code_lists)
    if definition is None:
        return None, report
    existing = FormDefinition.objects.filter(tenant=tenant, key=definition["key"]).first()
    if not service_slug and existing is not None and existing.service_id:
        # a new version of the schema under the same key stays the service's form
        definition["service"] = existing.service.slug
        report.note(f"Formular bleibt der Leistung {existing.service.slug!r} zugeordnet")
    return definition, report


def import_xdatenfelder(
    tenant: Tenant,
    xml: bytes,
    key: str | None = None,
    service_slug: str = "",
    code_lists: Any = None,
) -> tuple[FormDefinition | None, Any]:
    """Import an XDatenfelder 2.0/3.0 Stammdatenschema as a form; (form or None, report).
    The same key again is a new version of the form (still the service's form).

    Problems never raise: what could not be mapped is listed in the report."""
    definition, report = preview_xdatenfelder(tenant, xml, key, service_slug, code_lists)
    if definition is None:
        return None, report
    try:
        form, changed = store_definition(
            tenant, definition, source=FormDefinition.Source.XDATENFELDER
        )
    except DefinitionError as exc:
        report.note(str(exc))
        return None, report
    version = current_version(form)
    report.form_version = version.number
    if changed and version.number > 1:
        running = Application.objects.filter(form=form, status=Application.Status.DRAFT).exclude(
            form_version=version
        )
        report.note(
            f"Neue Version {version.number} des Formulars {form.key!r} (Schema-Version "
            f"{version.version}); {running.count()} laufende Anträge bleiben bei ihrer Version"
        )
    elif not changed:
        report.note(f"Unverändert: Version {version.number} des Formulars {form.key!r}")
    return form, report
