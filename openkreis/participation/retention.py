"""Personal data and retention of Beteiligung (docs/participation.md "Personal data of
proposals"): the `core.personal_data` plugin and the purge of hidden proposals.

Export (Art. 15): the account's proposals, comments, supports and abuse reports, and the
names of the surveys it took part in through its account (AccountParticipation). Never an
answer: there is no link from an account to a ballot (models.py), so there is nothing to
export.

Erase (Art. 17), as Decidim and CONSUL do it: what was published stays as part of the public
discussion, without the person — the author of published proposals and comments is removed
(shown as "a resident"), the name they chose to show is dropped. What never was public (a
proposal waiting for moderation or hidden, a hidden comment) is deleted with its photo. The
person's supports are deleted and the proposals' counts recounted; their abuse reports are
deleted. AccountParticipation rows go with the user row (CASCADE): a survey's result is not
touched, because ballots carry no account — the vote stays counted, only the "has voted"
mark disappears (the survey is closed by then, or the unique constraint no longer stops a
new account of the same person; the letter codes are the stronger guard where that matters).
"""

from __future__ import annotations

from django.db import transaction

from . import proposals
from .models import AccountParticipation
from .models_proposals import AbuseReport, Comment, Proposal, Support

PUBLISHED = Proposal.Moderation.PUBLISHED


class ParticipationData:
    def export(self, user) -> dict:
        return {
            "proposals": [
                {
                    "public_id": p.public_id,
                    "title": p.title,
                    "text": p.text,
                    "municipality": p.municipality.name if p.municipality_id else "",
                    "lat": p.lat,
                    "lon": p.lon,
                    "photo": bool(p.photo),
                    "shown_name": p.author_name,
                    "moderation": p.moderation,
                    "moderation_reason": p.moderation_reason,
                    "status": p.status,
                    "answer": p.answer,
                    "created_at": p.created_at.isoformat(),
                }
                for p in Proposal.objects.filter(author=user).select_related("municipality")
            ],
            "comments": [
                {
                    "proposal": c.proposal.public_id,
                    "text": c.text,
                    "shown_name": c.author_name,
                    "moderation": c.moderation,
                    "created_at": c.created_at.isoformat(),
                }
                for c in Comment.objects.filter(author=user).select_related("proposal")
            ],
            "supports": [
                {"proposal": s.proposal.public_id, "created_at": s.created_at.isoformat()}
                for s in Support.objects.filter(user=user).select_related("proposal")
            ],
            "abuse_reports": [
                {
                    "proposal": (r.proposal or r.comment.proposal).public_id,
                    "comment": bool(r.comment_id),
                    "reason": r.reason,
                    "outcome": r.outcome,
                    "created_at": r.created_at.isoformat(),
                }
                for r in AbuseReport.objects.filter(reporter=user).select_related(
                    "proposal", "comment__proposal"
                )
            ],
            # which surveys, never what was answered (there is no link to the answers)
            "surveys_taken_part_in": [
                a.survey.display_name
                for a in AccountParticipation.objects.filter(user=user).select_related("survey")
            ],
        }

    def erase(self, user) -> None:
        with transaction.atomic():
            supported = list(
                Support.objects.filter(user=user).values_list("proposal_id", flat=True)
            )
            Support.objects.filter(user=user).delete()
            proposals.recount(supported)
            AbuseReport.objects.filter(reporter=user).delete()
            Comment.objects.filter(author=user).exclude(moderation=PUBLISHED).delete()
            Comment.objects.filter(author=user).update(author=None, author_name="")
            for proposal in Proposal.objects.filter(author=user).exclude(moderation=PUBLISHED):
                if proposal.photo:
                    proposal.photo.delete(save=False)
                proposal.delete()
            Proposal.objects.filter(author=user).update(author=None, author_name="")
            # AccountParticipation: deleted with the user row (CASCADE), see the docstring
