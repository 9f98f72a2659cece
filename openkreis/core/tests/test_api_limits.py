"""Issue 16 F6: a huge limit or offset on any paginated list answers with a page, not 500."""

import pytest

from openkreis.core.api.pagination import MAX_LIMIT

HUGE = "99999999999999999999999999"
LISTS = ["/api/v1/organisations/", "/api/v1/services/", "/api/v1/regions/"]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("params", [{"limit": HUGE}, {"offset": HUGE}, {"limit": "²"}])
def test_huge_or_odd_limits_answer_with_a_page(client, harz, url, params):
    response = client.get(url, params)
    assert response.status_code == 200
    data = response.json()
    assert len(data["results"]) <= MAX_LIMIT and data["count"] > 0
    if "offset" in params:
        assert data["results"] == []
