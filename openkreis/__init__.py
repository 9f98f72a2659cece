"""openkreis — digital administration platform for German counties."""

from .celery import app as celery_app

__all__ = ["celery_app"]
