"""File numbers (Aktenzeichen): gap-free per file-plan item and year.

The counter row of a plan item and year is the one place all new cases of that item meet:
whoever increments it holds its row lock until the transaction ends. So the increment is
the last thing a case's transaction does (`assign_file_number`, then commit): the case is
inserted first with a placeholder number that nobody else ever sees (it is replaced in the
same transaction), and the lock is held for two short statements and the commit instead of
for the whole case (docs/architecture.md "Case creation at scale"). A transaction that fails
or is killed rolls the increment back with the case, so there are no gaps.
"""

from __future__ import annotations

import uuid

from django.db import connection

from ..models import (
    Case,
    FileNumberCounter,
    FilePlanItem,
)

PENDING_PREFIX = "~"  # a real file number starts with the plan item's code


def pending_file_number() -> str:
    """A unique placeholder for a case whose number is assigned at the end of its
    transaction (never committed: `assign_file_number` replaces it)."""
    return f"{PENDING_PREFIX}{uuid.uuid4().hex}"


def has_pending_number(case: Case) -> bool:
    return case.file_number.startswith(PENDING_PREFIX)


def _increment(plan_item_id: int, year: int) -> int:
    table = FileNumberCounter._meta.db_table
    sql = f"UPDATE {table} SET last = last + 1 WHERE plan_item_id = %s AND year = %s RETURNING last"  # noqa: S608 (our table name)
    with connection.cursor() as cursor:
        for _attempt in range(2):
            cursor.execute(sql, [plan_item_id, year])
            row = cursor.fetchone()
            if row is not None:
                return row[0]
            # The first case of the item and year: create the counter (a concurrent first
            # case waits here for the other's commit and then finds its row).
            FileNumberCounter.objects.bulk_create(
                [FileNumberCounter(plan_item_id=plan_item_id, year=year, last=0)],
                ignore_conflicts=True,
            )
    raise RuntimeError(f"No file-number counter for plan item {plan_item_id}, {year}.")


def format_file_number(plan_item: FilePlanItem, year: int, number: int) -> str:
    return f"{plan_item.code}-{year}-{number:06d}"


def next_file_number(plan_item: FilePlanItem, year: int) -> str:
    """The next gap-free file number for the plan item and year. Call it inside the
    transaction that stores the number, as late as possible: the counter stays locked for
    everyone else until that transaction ends."""
    if not connection.in_atomic_block:
        raise RuntimeError("next_file_number outside a transaction would leave gaps.")
    return format_file_number(plan_item, year, _increment(plan_item.pk, year))


def assign_file_number(case: Case, plan_item: FilePlanItem, year: int) -> str:
    """Give `case` (inserted with `pending_file_number()`) its real number: the counter's
    increment and the case's update, the last statements before the commit."""
    number = next_file_number(plan_item, year)
    Case.objects.filter(pk=case.pk).update(file_number=number)
    case.file_number = number
    return number
