"""The Eltern-Portal under /kita/meine/ (capacity/parents.py)."""

from django.urls import path

from . import parents

urlpatterns = [
    path("meine/", parents.home, name="parents_home"),
    path("meine/kind/neu/", parents.child_edit, name="parents_child_new"),
    path("meine/kind/<int:pk>/", parents.child_edit, name="parents_child_edit"),
    path("meine/kind/<int:pk>/loeschen/", parents.child_delete, name="parents_child_delete"),
    path("meine/kind/<int:pk>/anmelden/", parents.apply, name="parents_apply"),
    path("meine/anmeldung/<int:pk>/zurueckziehen/", parents.withdraw, name="parents_withdraw"),
    path("meine/angebot/<int:pk>/", parents.offer, name="parents_offer"),
    path("meine/angebot/<int:pk>/ablehnen/", parents.decline, name="parents_decline"),
    path("meine/benachrichtigung/", parents.alert_add, name="parents_alert_add"),
    path(
        "meine/benachrichtigung/<int:pk>/loeschen/",
        parents.alert_delete,
        name="parents_alert_delete",
    ),
]
