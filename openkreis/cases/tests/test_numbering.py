"""File numbers (services.numbering): gap-free per plan item and year, unique under
concurrent writers."""

import threading

import pytest
from django.db import connection

from openkreis.cases import services
from openkreis.catalog.models import Service

from .factories import applicant, open_demo_case

pytestmark = pytest.mark.django_db


def test_file_numbers_count_up_without_gaps(harz):
    numbers = [open_demo_case(documents=[]).file_number for _ in range(3)]
    seq = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert seq == [seq[0], seq[0] + 1, seq[0] + 2]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_file_numbers_are_unique_under_concurrent_writers():
    service = Service.objects.get(slug="aufenthaltskarte-eu")
    numbers, errors = [], []

    def worker():
        try:
            for _ in range(3):
                case = services.open_case(service=service, channel="paper", applicant=applicant())
                numbers.append(case.file_number)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(numbers) == 18 and len(set(numbers)) == 18
    seq = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert seq == list(range(seq[0], seq[0] + 18))
