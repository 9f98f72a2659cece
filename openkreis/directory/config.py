"""County data of the Harz-Kompass: tenants/<slug>/directory.yaml and directory/ (owner: D1)."""


def load(tenant, folder, report):
    """Skeleton until D1 fills it."""
