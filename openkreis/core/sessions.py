"""Sessions in Redis and the database (production with REDIS_URL; docs/scaling.md,
"Submissions at peak").

Django's cached_db reads a session from the cache and writes it to both, which saves every
logged-in request a query. Two of its steps are hardened here:

- **A Redis that does not answer** lets a request go on with the database alone, as without
  Redis: Django's store fails the request when it cannot put a session read from the
  database back into the cache, or ask the cache whether a new key exists.
- **Ending a session** (logout, a new key at login) removes the cached copy first and the
  database's row after it. Django's store does it the other way round, so a Redis that
  failed at that moment kept a copy that would log the person in again once it answers;
  here the logout fails instead, and the session stays whole until it is ended again.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore

logger = logging.getLogger("django.contrib.sessions")


class SessionStore(cached_db.SessionStore):
    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # Redis does not answer (or a backend refused the key)
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        except Exception:
            logger.warning("session not cached: the cache does not answer", exc_info=True)
        return data

    def exists(self, session_key):
        if not session_key:
            return False
        try:
            if (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:
            logger.warning("session key checked in the database alone", exc_info=True)
        return DatabaseStore.exists(self, session_key)

    def delete(self, session_key=None):
        key = session_key if session_key is not None else self.session_key
        if key is None:
            return
        self._cache.delete(self.cache_key_prefix + key)  # first: no copy outlives the row
        DatabaseStore.delete(self, key)
