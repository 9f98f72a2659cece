"""Appointment configuration is county data, loaded with the county; bad data fails loudly."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from openkreis.appointments import services
from openkreis.appointments.models import AppointmentService, Branch, Closure, Counter

MUSTER = Path(settings.BASE_DIR) / "tenants" / "musterkreis"


def test_harz_configuration_loaded(db):
    assert set(Branch.objects.values_list("location__key", flat=True)) >= {
        "lra-halberstadt",
        "lra-wernigerode",
        "lra-quedlinburg",
    }
    pickup = AppointmentService.objects.get(key="abholschalter")
    assert pickup.service is None and pickup.minutes == 5 and pickup.prefix == "P"
    assert Counter.objects.filter(label="Abholschalter").count() == 3
    umtausch = AppointmentService.objects.get(key="fuehrerschein-umtausch")
    assert umtausch.service.slug == "fuehrerschein-umtausch"
    assert umtausch.service.tenant.slug == "harz"
    assert Closure.objects.filter(reason="Heiligabend", branch=None).exists()


def test_musterkreis_loads_next_to_harz_and_stays_apart(db, capsys):
    call_command("load_tenant", str(MUSTER), "--no-pages")
    branch = Branch.objects.get(location__key="mk-haupthaus")
    service = AppointmentService.objects.get(key="mk-fahrerlaubnis-termin")
    assert service.service.tenant.slug == "musterkreis"
    assert branch.step_minutes == 15 and branch.horizon_days == 14
    assert branch not in services.tenant_branches()  # this deployment serves Harz
    capsys.readouterr()
    call_command("load_tenant", str(MUSTER), "--no-pages")
    assert "(0 changes)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "old,new",
    [
        ("services: [mk-fahrerlaubnis-termin]", "services: [gibt-es-nicht]"),
        ("location: mk-haupthaus", "location: mk-nirgendwo"),
        ("minutes: 15", "minutes: 7"),
    ],
)
def test_bad_configuration_changes_nothing(db, tmp_path, old, new):
    folder = tmp_path / "muster"
    shutil.copytree(MUSTER, folder)
    path = folder / "appointments.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    with pytest.raises(CommandError):
        call_command("load_tenant", str(folder), "--no-pages")
    assert not Branch.objects.filter(location__key="mk-haupthaus").exists()


def test_a_bookings_services_come_from_the_setup_cache_in_the_rows_order(
    db, django_assert_num_queries
):
    from .factories import AppointmentServiceFactory, BookingFactory

    later = AppointmentServiceFactory(position=2, name="B später")
    first = AppointmentServiceFactory(position=1, name="A zuerst")
    booking = BookingFactory(chosen=[later, first])
    rows = list(booking.services.all())
    assert rows == [first, later]
    assert services.services_of(booking) == rows
    with django_assert_num_queries(0):  # now kept per process
        assert services.services_of(booking) == rows
    # a key no longer known (the service was renamed since): the booking's rows are read
    later.key = "umbenannt"
    later.save()
    with django_assert_num_queries(2):  # the unknown key looked up, then the rows
        assert [s.key for s in services.services_of(booking)] == [first.key, "umbenannt"]
