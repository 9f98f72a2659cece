"""The eAkte's public functions: the only way other apps (intake, forms, accounts) and the
staff views change cases. Every change runs in one transaction, checks the workflow and the
actor's right, writes the history, the audit trail and the cockpit event (docs/events.md).

One module per topic; callers import the package (`from openkreis.cases import services`)
and never a module inside it, so a function can move between modules without breaking them.
"""

from .audit import (  # noqa: F401
    AUDIT_STATUS_CACHE_SECONDS,
    _entry_hash,
    audit,
    audit_actions,
    audit_chain_status,
    audit_trail,
    release_audit,
    seal_audit,
    verify_audit_chain,
)
from .common import (  # noqa: F401
    ALL_CASE_ROLES,
    GENESIS,
    OUTCOMES,
    WORKING_ROLES,
    CaseError,
    Role,
)
from .configuration import (  # noqa: F401
    load_configuration,
    plan_item_for,
    procedure_for,
)
from .delivery import (  # noqa: F401
    MAX_ATTEMPTS,
    deliveries_of,
    delivery_channel_label,
    perform_delivery,
    retry_delivery,
    retry_due_deliveries,
    schedule_delivery,
)
from .documents import (  # noqa: F401
    _add_version,
    _pdf_text,
    _store_document,
    attach_document,
    decision_document,
    export_court_file,
    quarantined_original,
    set_document_text,
)
from .history import (  # noqa: F401
    _event,
    _history,
    roles_in_unit,
)
from .numbering import (  # noqa: F401
    assign_file_number,
    next_file_number,
    pending_file_number,
)
from .opening import (  # noqa: F401
    Applicant,
    _competent_unit,
    _region_for,
    office_for,
    open_case,
)
from .queries import (  # noqa: F401
    SEARCH_CAP,
    CaseSearch,
    application_data,
    cases_by_id,
    cases_for_applicant,
    citizen_status,
    citizen_statuses,
    find_cases,
    find_cases_for_filing,
    get_case,
    get_case_for_staff,
    inbox,
    search_cases,
    visible_cases,
)
from .retention import (  # noqa: F401
    delete_expired,
    due_for_deletion,
)
from .transitions import (  # noqa: F401
    STEP_EFFECTS,
    _unit_and_ancestors,
    assign,
    assign_many,
    assignable_staff,
    decide,
    deliver_documents,
    file_reply,
    hand_over,
    request_documents,
    send_reminders,
    transition,
)
from .uploads import (  # noqa: F401
    MAX_PIXELS,
    SIGNATURES,
    UploadRejected,
    ValidatedFile,
    _as_validated,
    _check_image,
    _check_pdf,
    sniff_mime,
    validate_upload,
)
