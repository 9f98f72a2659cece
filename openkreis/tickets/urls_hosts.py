"""Hosts' stays (/hatix/gastgeber/), the guest wallet (/hatix/t/<access_key>/) and the guest
levy office (/hatix/amt/): owner T2, docs/tickets.md "Hosts and stays" and "Wallet"."""

from django.urls import path

from . import host_views, office_views, wallet

urlpatterns: list = [
    path("gastgeber/", host_views.home, name="host_home"),
    path("gastgeber/abrechnung/", host_views.statement, name="host_statement"),
    path("gastgeber/unterkunft/<uuid:public_id>/neu/", host_views.new_stay, name="host_new_stay"),
    path(
        "gastgeber/unterkunft/<uuid:public_id>/import/",
        host_views.import_stays,
        name="host_import",
    ),
    path("gastgeber/aufenthalt/<uuid:public_id>/", host_views.stay, name="host_stay"),
    path("gastgeber/aufenthalt/<uuid:public_id>/bezahlt/", host_views.mark_paid, name="host_paid"),
    path("gastgeber/aufenthalt/<uuid:public_id>/storno/", host_views.cancel, name="host_cancel"),
    path("gastgeber/aufenthalt/<uuid:public_id>/teilen/", host_views.share, name="host_share"),
    path("t/sw.js", wallet.service_worker, name="wallet_sw"),
    path("t/<str:access_key>/", wallet.wallet, name="wallet"),
    path("t/<str:access_key>/pdf/", wallet.pdf, name="wallet_pdf"),
    path("t/<str:access_key>/manifest.webmanifest", wallet.manifest, name="wallet_manifest"),
    path("amt/", office_views.home, name="office_home"),
    path("amt/unterkunft/neu/", office_views.new_accommodation, name="office_accommodation"),
    path("amt/ticket/", office_views.find, name="office_find"),
    path("amt/ticket/<str:serial>/", office_views.ticket, name="office_ticket"),
    path("amt/ticket/<str:serial>/sperren/", office_views.revoke, name="office_revoke"),
    path("amt/ticket/<str:serial>/neu/", office_views.reissue, name="office_reissue"),
]
