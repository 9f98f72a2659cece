"""Shared API helpers: error answers in the user's language, never a 500 for bad input.

Every error answer has the shape the schema documents (`core/api/schema.py`): a 400 is
{field: [messages]} (`detail` for the request as a whole), every other error {"detail":
message}."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """DRF's handler, plus: Django validation errors become 400, and a 400's body is always
    {field: [messages]} (also for parse errors and nested fields)."""
    if isinstance(exc, DjangoValidationError):
        return Response({"detail": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == status.HTTP_400_BAD_REQUEST:
        data = response.data if isinstance(response.data, dict) else {"detail": response.data}
        response.data = {str(key): _messages(value) for key, value in data.items()}
    return response


def _messages(value, prefix: str = "") -> list[str]:
    """A flat list of messages; a nested field's message names its place ("1: …")."""
    if isinstance(value, dict):
        return [
            message
            for key, item in value.items()
            for message in _messages(item, f"{prefix}{_place(key)}: ")
        ]
    if isinstance(value, list | tuple):
        return [message for item in value for message in _messages(item, prefix)]
    return [f"{prefix}{value}"]


def _place(key) -> str:
    """List positions count from 1 for people."""
    return str(key + 1) if isinstance(key, int) else str(key)
