# Every booked SlotBooking becomes the engine's dated claim of its slot: the practice gets
# its private resource (a private Branch keyed "practice:<key>" with one Counter, as
# appointments.services.private_resource makes it), the slot's start is claimed there
# (a SlotClaim without a booking), and the booking points to the claim. The old partial
# unique constraint allowed one booked row per slot, so no two claims collide.

from django.db import migrations


def forwards(apps, schema_editor):
    Branch = apps.get_model("appointments", "Branch")
    Counter = apps.get_model("appointments", "Counter")
    SlotClaim = apps.get_model("appointments", "SlotClaim")
    Practice = apps.get_model("capacity", "Practice")
    SlotBooking = apps.get_model("capacity", "SlotBooking")
    resources = {}
    booked = SlotBooking.objects.filter(state="booked", claim__isnull=True).select_related(
        "slot"
    )
    for booking in booked.iterator():
        practice_id = booking.slot.practice_id
        counter = resources.get(practice_id)
        if counter is None:
            practice = Practice.objects.get(pk=practice_id)
            if practice.resource_id:
                counter = Counter.objects.get(pk=practice.resource_id)
            else:
                branch, _ = Branch.objects.get_or_create(
                    key=f"practice:{practice.key}",
                    defaults={"private": True, "location": None, "name": practice.name[:200]},
                )
                counter, _ = Counter.objects.get_or_create(branch=branch, label="1")
                Practice.objects.filter(pk=practice.pk).update(resource=counter)
            resources[practice_id] = counter
        claim = SlotClaim.objects.create(counter=counter, start=booking.slot.start, booking=None)
        SlotBooking.objects.filter(pk=booking.pk).update(claim=claim)


def backwards(apps, schema_editor):
    SlotClaim = apps.get_model("appointments", "SlotClaim")
    SlotBooking = apps.get_model("capacity", "SlotBooking")
    ids = list(
        SlotBooking.objects.filter(claim__isnull=False).values_list("claim_id", flat=True)
    )
    SlotBooking.objects.update(claim=None)
    SlotClaim.objects.filter(pk__in=ids, booking__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("capacity", "0006_slot_claims"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
