"""Personal data of Bildung & Arbeit's learning part (J1): the interest-test results a person
chose to keep (InterestResult, kept only with consent). The `core.personal_data` plugin.

Export (Art. 15): every kept result (code, scores, when consent was given). Erase (Art. 17):
every kept result is deleted — nothing of it is needed by anyone else. The cockpit's
`jobs.interest_test_done` events carry only the code and whether it was saved, no account.
"""

from __future__ import annotations

from openkreis.core.personal_data import personal_data

from .models import InterestResult


class InterestResultsData:
    def export(self, user) -> dict:
        return {
            "interest_results": [
                {
                    "code": r.code,
                    "scores": r.scores,
                    "consented_at": r.consented_at.isoformat(),
                }
                for r in InterestResult.objects.filter(user=user)
            ]
        }

    def erase(self, user) -> None:
        InterestResult.objects.filter(user=user).delete()


def register() -> None:
    """Called once from JobsConfig.ready()."""
    personal_data.register("jobs-interest", InterestResultsData(), order=86)
