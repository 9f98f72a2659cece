"""County data of Beteiligung: tenants/<slug>/participation.yaml (owner: P1)."""


def load(tenant, folder, report):
    """Skeleton until P1 fills it."""
