"""HATIX e-ticket and HarzCard (issue 19, docs/tickets.md)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "openkreis.tickets"
    label = "tickets"
    verbose_name = _("Guest tickets (HATIX) and HarzCard")

    def ready(self):
        from openkreis.accounts.navigation import AccountLink, account_links
        from openkreis.cockpit.tickets import ticket_counts
        from openkreis.core.geo import stop_finders
        from openkreis.core.personal_data import personal_data
        from openkreis.core.staff import StaffArea, staff_areas
        from openkreis.core.tenant_data import register_step

        from . import cockpit, config, demo, harzcard, hosts, inspection, retention, stops, transit

        # tenants/<slug>/tickets.yaml: the scheme, zones, guest levy rates (after capacity, 75)
        register_step("tickets", order=76, load=config.load)
        # HarzCard attractions (the same file's `attractions:`)
        register_step("tickets-attractions", order=77, load=harzcard.load)
        # the GTFS timetable for the guest's day planning (tenants/<slug>/gtfs/, demo feed)
        register_step("tickets-transit", order=78, load=transit.load)
        # demo hosts with stays and tickets; inspector and attraction staff logins
        register_step("tickets-demo", order=86, demo=True, load=demo.load_demo)
        register_step("tickets-staff-demo", order=87, demo=True, load=inspection.load_demo)
        # stays, guests and tickets in the account's export and deletion (hosts' data)
        personal_data.register("tickets", retention.TicketData(), order=80)
        # "Gästekarten" in the account menu of a host's company members
        account_links.register(
            "hatix",
            AccountLink(_("Guest tickets"), "tickets:host_home", applies=hosts.is_host),
            order=40,
        )
        staff_areas.register(
            "hatix-inspect",
            StaffArea(_("Ticket checks"), "tickets:inspector", ("ticket_inspector",)),
            order=50,
        )
        staff_areas.register(
            "hatix-harzcard",
            StaffArea(_("HarzCard entries"), "tickets:attraction_home", ("attraction_staff",)),
            order=51,
        )
        staff_areas.register(
            "hatix-office",
            StaffArea(_("Guest levy and tickets"), "tickets:office_home", ("ticket_office",)),
            order=52,
        )
        # guests per night and municipality, checks per line and hour, entries per attraction
        ticket_counts.register("tickets", cockpit.counts)
        # GTFS stops near a point for other apps (the Harz-Kompass routes' start and end)
        stop_finders.register("tickets", stops.TransitStopFinder())
