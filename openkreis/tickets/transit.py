"""GTFS import (owner: T4 planning helper replaces this skeleton)."""


def load(tenant, folder, report) -> None:
    return None
