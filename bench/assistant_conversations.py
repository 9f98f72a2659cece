"""The assistant's proof, run by hand: play every conversation of
openkreis/assistant/tests/conversations.yaml against the loaded catalogue and print the
share answered correctly and every failure.

    DJANGO_SETTINGS_MODULE=openkreis.settings.dev OPENKREIS_SQLITE_PATH=/tmp/x.sqlite3 \\
        .venv/bin/python bench/assistant_conversations.py

(the database needs `load_tenant harz`.)
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openkreis.settings.dev")

import django  # noqa: E402

django.setup()

from openkreis.assistant import proof  # noqa: E402
from openkreis.core.models import Tenant  # noqa: E402


def main() -> int:
    tenant = Tenant.objects.get(slug=os.environ.get("OPENKREIS_TENANT", "harz"))
    results = proof.run(tenant)
    turns = sum(r.turns for r in results)
    correct = sum(r.ok for r in results)
    print(f"{len(results)} conversations, {turns} turns")
    print(f"answered correctly: {correct}/{len(results)} = {proof.share_correct(results):.1%}")
    for result in results:
        for failure in result.failures:
            print(f"  FAIL {result.conversation}: {failure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
