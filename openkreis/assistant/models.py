"""Frag den Landkreis: the service assistant (issue 25, docs/assistant.md).

The conversation itself lives in the session only. The database keeps unanswered
questions for the content team, scrubbed of personal data (`scrub.scrub`) and deleted
after the county's retention time (`purge_assistant_questions`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from openkreis.core.models import Tenant


class UnansweredQuestion(models.Model):
    """A question the assistant could not answer, without personal data."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(_("question (scrubbed)"), max_length=300)
    intent = models.CharField(max_length=20)
    service = models.SlugField(max_length=120, blank=True)
    asked_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-asked_at"]
        verbose_name = _("unanswered question")
        verbose_name_plural = _("unanswered questions")

    def __str__(self) -> str:
        return self.text
