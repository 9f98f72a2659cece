"""What every view of the API shares: its schema documents every answer it gives
(`ApiSchema`), and text that the database cannot hold never reaches a query.

PostgreSQL text cannot contain NUL, and a query with one fails (issue 16: a 500 found by
schemathesis on /api/v1/appointments/…/ and /api/v1/cases/cases/?q=). A NUL in the query
string is refused with a 400, one in a path value answers 404 (no object has such a key).
Mix `ApiView` in before the DRF class: `class XViewSet(ApiView, viewsets.ModelViewSet)`.
"""

from __future__ import annotations

from django.core.validators import ProhibitNullCharactersValidator
from rest_framework.exceptions import NotFound, ValidationError

from .schema import ApiSchema

NUL = "\x00"


class ApiView:
    schema = ApiSchema()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttles
        if any(NUL in str(value) for value in kwargs.values()):
            raise NotFound()
        refused = sorted(
            name.replace(NUL, "")
            for name, values in request.query_params.lists()
            if NUL in name or any(NUL in value for value in values)
        )
        if refused:
            message = str(ProhibitNullCharactersValidator.message)
            raise ValidationError({name: [message] for name in refused})
