"""Pagination for every list of the API: limit and offset are capped, so a huge number
answers with a page, never with a database overflow (issue 16 F6)."""

from rest_framework.pagination import LimitOffsetPagination, _positive_int

MAX_LIMIT = 1000
MAX_OFFSET = 10**9  # far beyond any list; keeps the number inside a 64-bit SQL integer


class Pagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = MAX_LIMIT

    def get_offset(self, request) -> int:
        try:
            return _positive_int(request.query_params[self.offset_query_param], cutoff=MAX_OFFSET)
        except (KeyError, ValueError):
            return 0
