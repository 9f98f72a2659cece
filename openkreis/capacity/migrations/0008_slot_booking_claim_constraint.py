# No double booking is now the engine's unique claim: the old partial unique constraint
# goes, and a booked row must hold its claim (a cancelled one none).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("capacity", "0007_slot_bookings_become_claims"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="slotbooking",
            name="one_booking_per_slot",
        ),
        migrations.AddConstraint(
            model_name="slotbooking",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("claim__isnull", False), ("state", "booked")),
                    models.Q(("claim__isnull", True), ("state", "cancelled")),
                    _connector="OR",
                ),
                name="booked_holds_claim",
            ),
        ),
    ]
