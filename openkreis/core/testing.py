"""Helpers for tests of every app."""

import os
from pathlib import Path

from django.conf import settings
from django.core.management import call_command


def load_tenant(slug: str, pages: bool = False) -> None:
    """Load tenants/<slug>/ quietly (as `manage.py load_tenant` would)."""
    args = ["load_tenant", str(Path(settings.BASE_DIR) / "tenants" / slug)]
    if not pages:
        args.append("--no-pages")
    with open(os.devnull, "w") as devnull:
        call_command(*args, stdout=devnull)
