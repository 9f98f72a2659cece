import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openkreis.settings.production")
application = get_wsgi_application()
# The loaded project (models, URLconf, translations: about 290,000 objects) lives as long as
# the worker. Frozen, the collector's full passes skip it: such a pass over it took 200–600 ms
# in the middle of a request (bench/reports.py, the p99 of every page). Request garbage is
# still collected as before.
get_resolver().url_patterns  # noqa: B018 - load the URLconf before freezing
gc.freeze()
