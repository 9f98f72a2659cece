"""County data of Bildung & Arbeit: tenants/<slug>/jobs.yaml (owner: J1)."""


def load(tenant, folder, report):
    """Skeleton until J1 fills it."""
