"""The group pages: joining by code (a wrong code gets a clear message), leaving, the
teacher's pages (only their groups; learners never see the teacher view), creating a group,
co-teachers, closing a group, applying to become a teacher."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext, ngettext

from openkreis.learning import groups
from openkreis.learning.models import GroupMembership, LearnerGroup, Teacher

from .factories import learner, module, teacher

pytestmark = pytest.mark.django_db


def _group(owner, name="Kurs am Montag"):
    return groups.create_group(owner, name=name, kind="vhs")


def test_join_page_prefills_the_code_and_joins(client):
    group = _group(teacher())
    user = learner()
    client.force_login(user)
    page = client.get(f"/digital/gruppe/?code={group.join_code}")
    assert page.status_code == 200 and group.join_code in page.content.decode()
    response = client.post("/digital/gruppe/", {"code": group.join_code.lower()}, follow=True)
    assert response.status_code == 200
    assert "Kurs am Montag" in response.content.decode()
    assert GroupMembership.objects.filter(group=group, user=user, role="learner").exists()


def test_wrong_code_gets_a_clear_message(client):
    client.force_login(learner())
    response = client.post("/digital/gruppe/", {"code": "FALSCH99"})
    assert response.status_code == 400
    assert str(groups.NO_GROUP) in response.content.decode()
    response = client.post("/digital/gruppe/", {"code": " - "})
    assert response.status_code == 400
    assert gettext("Please enter the code of your group.") in response.content.decode()


def test_join_needs_a_login(client):
    response = client.get("/digital/gruppe/")
    assert response.status_code == 302 and "/konto/login/" in response["Location"]


def test_leave(client):
    group = _group(teacher())
    user = learner()
    groups.join(user, group.join_code)
    client.force_login(user)
    response = client.post(f"/digital/gruppe/{group.key}/verlassen/")
    assert response.status_code == 302
    assert not GroupMembership.objects.filter(group=group, user=user).exists()
    assert client.post(f"/digital/gruppe/{group.key}/verlassen/").status_code == 404


def test_teacher_creates_a_group_and_sees_counts_but_no_names(client):
    owner = teacher()
    client.force_login(owner)
    town = groups.municipalities().first()
    response = client.post(
        "/digital/lehrkraft/gruppen/neu/",
        {"name": "Tablet-Treff", "kind": "seniors", "municipality": town.pk},
    )
    group = LearnerGroup.objects.get(name="Tablet-Treff")
    assert response.status_code == 302 and str(group.key) in response["Location"]
    assert group.municipality == town
    members = [learner(f"geheim-{i}") for i in range(4)]
    for user in members:
        groups.join(user, group.join_code)
    mod = module()
    page = client.get(f"/digital/lehrkraft/gruppen/{group.key}/")
    text = page.content.decode()
    assert page.status_code == 200
    members_line = ngettext("The group has %(n)s learner.", "The group has %(n)s learners.", 4) % {
        "n": 4
    }
    assert group.join_code in text and members_line in text and mod.title in text
    assert gettext("fewer than %(small)s") % {"small": 3} in text
    assert not any(user.username in text for user in members)
    home = client.get("/digital/lehrkraft/").content.decode()
    count = ngettext("%(n)s learner", "%(n)s learners", 4) % {"n": 4}
    assert "Tablet-Treff" in home and count in home


def test_group_form_errors_are_400(client):
    client.force_login(teacher())
    response = client.post("/digital/lehrkraft/gruppen/neu/", {"name": "", "kind": "nope"})
    assert (
        response.status_code == 400 and gettext("There is a problem") in response.content.decode()
    )


def test_learners_and_other_teachers_cannot_open_the_teacher_view(client):
    owner = teacher()
    group = _group(owner)
    member = learner()
    groups.join(member, group.join_code)
    url = f"/digital/lehrkraft/gruppen/{group.key}/"
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == "/digital/lehrkraft/bewerben/"
    client.force_login(teacher())
    assert client.get(url).status_code == 404
    assert client.post(f"{url}lehrkraefte/", {"username": "x"}).status_code == 404
    assert client.post(f"{url}schliessen/", {"archived": "1"}).status_code == 404


def test_co_teacher_and_closing(client):
    owner, other = teacher(), teacher()
    group = _group(owner)
    client.force_login(owner)
    url = f"/digital/lehrkraft/gruppen/{group.key}/"
    bad = client.post(f"{url}lehrkraefte/", {"username": learner().username})
    assert bad.status_code == 400 and str(groups.NO_TEACHER) in bad.content.decode()
    assert client.post(f"{url}lehrkraefte/", {"username": other.username}).status_code == 302
    client.force_login(other)
    assert client.get(url).status_code == 200
    assert client.post(f"{url}schliessen/", {"archived": "1"}).status_code == 302
    group.refresh_from_db()
    assert group.archived
    client.force_login(learner())
    closed = client.post("/digital/gruppe/", {"code": group.join_code})
    assert closed.status_code == 400


def test_apply_to_become_a_teacher(client):
    user = learner()
    client.force_login(user)
    assert client.get("/digital/lehrkraft/").status_code == 302
    assert client.post("/digital/lehrkraft/bewerben/", {"organisation": ""}).status_code == 400
    response = client.post("/digital/lehrkraft/bewerben/", {"organisation": "Heimatverein Thale"})
    assert response.status_code == 302
    row = Teacher.objects.get(user=user)
    assert row.organisation == "Heimatverein Thale" and row.approved_at is None
    pending = client.get("/digital/lehrkraft/bewerben/").content.decode()
    assert "Heimatverein Thale" in pending and 'role="status"' in pending
    assert client.get("/digital/lehrkraft/").status_code == 302  # still pending
    groups.approve(row)
    assert client.get("/digital/lehrkraft/").status_code == 200
