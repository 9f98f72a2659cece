"""Counts for the cockpit (owner: T4 helper replaces this skeleton)."""


def counts(*args, **kwargs):
    return None
