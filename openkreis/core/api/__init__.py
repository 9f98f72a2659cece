"""Shared API helpers: error answers in the user's language, never a 500 for bad input."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """DRF's handler, plus: Django validation errors become 400, field errors are lists."""
    if isinstance(exc, DjangoValidationError):
        return Response({"detail": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        if isinstance(response.data, dict):
            response.data = {
                key: value if isinstance(value, list) else [value]
                for key, value in response.data.items()
            }
        else:
            response.data = {"detail": response.data}
    return response
