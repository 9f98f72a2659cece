"""County data: tenants/<slug>/tickets.yaml (owner: T2 hosts helper replaces this skeleton)."""


def load(tenant, folder, report) -> None:
    return None
