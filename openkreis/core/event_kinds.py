"""Every kind of event in the log, in one place (docs/events.md describes their data).

Apps write `record_event(event_kinds.CASE_RECEIVED, …)`; the cockpit reads the same names.
`core/tests/test_event_kinds.py` checks that every kind written anywhere in the code is
listed here and described in docs/events.md — a new app adds its kinds here first.
"""

# The eAkte (cases, intake): subject `case:<pk>`; the kind is `case.<activity>`.
CASE_RECEIVED = "case.received"
CASE_ASSIGNED = "case.assigned"
CASE_HANDED_OVER = "case.handed_over"
CASE_TRANSITION = "case.transition"
CASE_DOCUMENTS_REQUESTED = "case.documents_requested"
CASE_DOCUMENTS_RECEIVED = "case.documents_received"
CASE_DECIDED = "case.decided"
CASE_CLOSED = "case.closed"
CASE_REOPENED = "case.reopened"
CASE_DELETED = "case.deleted"

# Online applications (forms)
APPLICATION_STARTED = "application.started"
APPLICATION_SUBMITTED = "application.submitted"
APPLICATION_ABANDONED = "application.abandoned"
FEEDBACK_SUBMITTED = "feedback.submitted"

# Accounts and the mailbox
ACCOUNT_CREATED = "account.created"
ACCOUNT_DELETED = "account.deleted"
COMPANY_CREATED = "company.created"
COMPANY_MEMBER_JOINED = "company.member_joined"
MESSAGE_DELIVERED = "message.delivered"
MESSAGE_REPLIED = "message.replied"

# Appointments: subject `appointment:<pk>` or `ticket:<pk>`
APPOINTMENT_BOOKED = "appointment.booked"
APPOINTMENT_CANCELLED = "appointment.cancelled"
APPOINTMENT_CHECKED_IN = "appointment.checked_in"
APPOINTMENT_CALLED = "appointment.called"
APPOINTMENT_SERVED = "appointment.served"
APPOINTMENT_NO_SHOW = "appointment.no_show"
APPOINTMENT_TRANSFERRED = "appointment.transferred"

# Mängelmelder (reports): subject `report:<pk>`; data category + area (ARS) only
REPORT_RECEIVED = "report.received"
REPORT_SUPPORTED = "report.supported"  # "Ich bin auch betroffen": one more person affected
REPORT_CONFIRMED = "report.confirmed"
REPORT_STATUS_CHANGED = "report.status_changed"  # in progress, action scheduled
REPORT_FIXED = "report.fixed"
REPORT_CLOSED = "report.closed"  # duplicate, not responsible, not reproducible
REPORT_REOPENED = "report.reopened"
REPORT_ASSIGNED = "report.assigned"
REPORT_SPLIT = "report.split"  # staff made a second report from this one
REPORT_FOLLOW_UP = "report.follow_up"  # an answer to the four-week questionnaire (answer only)

# Kapazitätsfinder (capacity): subject `kita_application:<pk>`, `kita_round:<pk>` or
# `kita_places:<kita key>`; data municipality (ARS), age group, month — never a child
KITA_APPLICATION_SUBMITTED = "kita.application_submitted"
KITA_APPLICATION_WITHDRAWN = "kita.application_withdrawn"
KITA_ROUND_RUN = "kita.round_run"
KITA_OFFER_MADE = "kita.offer_made"
KITA_OFFER_ACCEPTED = "kita.offer_accepted"
KITA_OFFER_DECLINED = "kita.offer_declined"
KITA_OFFER_EXPIRED = "kita.offer_expired"
KITA_OFFER_OVERRIDDEN = "kita.offer_overridden"  # staff changed an offer (with a reason)
KITA_FREE_PLACES_REPORTED = "kita.free_places_reported"
# Doctor slots and holiday rooms (capacity): subject `doctor_slot:<pk>`, `practice:<key>` or
# `room:<pk>`; data practice/host, specialty, municipality (ARS), times — never a resident
SLOT_PUBLISHED = "slot.published"
SLOT_BOOKED = "slot.booked"
SLOT_CANCELLED = "slot.cancelled"
SLOT_EXPIRED = "slot.expired"  # a published slot passed without a booking
ROOM_REQUESTED = "room.requested"

# HATIX and HarzCard (tickets): subject `stay:<pk>` or `ticket_key:<kid>`; data municipality
# (ARS), nights, guests, levy category — never a guest, a ticket id or a movement
TICKET_STAY_REGISTERED = "ticket.stay_registered"
TICKET_STAY_PAID = "ticket.stay_paid"
TICKET_STAY_CANCELLED = "ticket.stay_cancelled"
TICKET_ISSUED = "ticket.issued"
TICKET_REVOKED = "ticket.revoked"
TICKET_KEY_ROTATED = "ticket.key_rotated"

# Beteiligung (participation): subject `survey:<key>` or `proposal:<public id>`; data survey
# key, audience, municipality (ARS) — never a voter, a code, a receipt or an answer
PARTICIPATION_SURVEY_PUBLISHED = "participation.survey_published"
PARTICIPATION_SURVEY_CLOSED = "participation.survey_closed"
PARTICIPATION_STARTED = "participation.started"  # someone began a questionnaire
PARTICIPATION_COMPLETED = "participation.completed"  # a ballot was counted
PARTICIPATION_LETTERS_CREATED = "participation.letters_created"
PARTICIPATION_PROPOSAL_SUBMITTED = "participation.proposal_submitted"
PARTICIPATION_PROPOSAL_MODERATED = "participation.proposal_moderated"
PARTICIPATION_PROPOSAL_SUPPORTED = "participation.proposal_supported"
PARTICIPATION_PROPOSAL_ANSWERED = "participation.proposal_answered"

# The portal
PORTAL_SEARCH = "portal.search"
PORTAL_SERVICE_VIEWED = "portal.service_viewed"

# Harz-Kompass (directory) and Bildung & Arbeit (jobs): no person, no position, no query of
# a search that found something (docs/events.md)
DIRECTORY_PLACE_VIEWED = "directory.place_viewed"
DIRECTORY_ROUTE_VIEWED = "directory.route_viewed"
DIRECTORY_SEARCHED = "directory.searched"
JOBS_JOB_VIEWED = "jobs.job_viewed"
JOBS_SEARCHED = "jobs.searched"
JOBS_JOB_SUBMITTED = "jobs.job_submitted"
JOBS_JOB_MODERATED = "jobs.job_moderated"
JOBS_INTEREST_TEST_DONE = "jobs.interest_test_done"

# Einkaufen im Harz (marketplace): no person, no position, no words of a search (docs/events.md)
MARKET_SEARCHED = "marketplace.searched"
MARKET_SHOP_VIEWED = "marketplace.shop_viewed"
MARKET_RESERVATION = "marketplace.reservation"
MARKET_POINTS_EARNED = "marketplace.points_earned"
MARKET_POINTS_REDEEMED = "marketplace.points_redeemed"
MARKET_SHOP_STATUS = "marketplace.shop_status"

# Digitaler Führerschein and Digitale Werkstatt (learning): aggregates only, no person
LEARNING_MODULE_STARTED = "learning.module_started"
LEARNING_MODULE_PASSED = "learning.module_passed"
LEARNING_GROUP_JOINED = "learning.group_joined"
LEARNING_LIVE_QUIZ = "learning.live_quiz"
LEARNING_CERTIFICATE_ISSUED = "learning.certificate_issued"
LEARNING_CERTIFICATE_REVOKED = "learning.certificate_revoked"
LEARNING_ADVICE_REQUESTED = "learning.advice_requested"

# OZG-Radar (issue 24): subject `radar:<service slug>`
RADAR_DECIDED = "radar.decided"
RADAR_IMPORTED = "radar.imported"
MATURITY_ASSESSED = "maturity.assessed"

# Programme office and Gestaltungskreise (issue 24): subject `project:<pk>` / `circle:<pk>`
PROGRAMME_STATUS_REPORTED = "programme.status_reported"
CIRCLE_MEASURE_EFFECTIVE = "circle.measure_effective"

# Frag den Landkreis (issue 25): no words of the question, only its outcome
ASSISTANT_ANSWERED = "assistant.answered"
ASSISTANT_HANDED_OVER = "assistant.handed_over"

# Process logs imported by the cockpit: `case.*` where the activity maps, else this prefix.
IMPORT_PREFIX = "import."
CASE_PREFIX = "case."

ALL = frozenset(
    value
    for name, value in dict(globals()).items()
    if name.isupper() and "PREFIX" not in name and isinstance(value, str)
)


def case_kind(activity: str) -> str:
    """The kind of a case event for a workflow activity (`received` → `case.received`)."""
    kind = CASE_PREFIX + activity
    if kind not in ALL:
        raise ValueError(f"unknown case activity {activity!r}: add it to core/event_kinds.py")
    return kind
