"""Beteiligung services: the entry points other code and tests use (docs/participation.md).
Each part keeps its own module; this module names the ones meant for callers outside it:

* surveys.py — authoring: create_survey, add_question, add_option, set_condition, publish,
  close (seals), seal_expired, archive, duplicate; raises SurveyError;
* voting.py — taking part: questionnaire_form, cast (one transaction, one vote per code or
  account; returns the receipt), receipt_counted, seal; raises VoteError;
* letters.py — code letters for a resident list: parse_residents, create_batch,
  purge_files;
* results.py — counting with small-cell suppression: compute, cached, to_csv;
* proposals.py — proposals, supports, comments, moderation and official answers.
"""

from .letters import create_batch, parse_residents, purge_files  # noqa: F401
from .results import compute, to_csv  # noqa: F401
from .surveys import (  # noqa: F401
    SurveyError,
    add_option,
    add_question,
    close,
    create_survey,
    publish,
    seal_expired,
    set_condition,
)
from .voting import VoteError, cast, questionnaire_form, receipt_counted, seal  # noqa: F401
