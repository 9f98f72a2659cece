"""Demo proposals (owner: P4)."""


def load_demo(tenant, folder, report):
    """Skeleton until P4 fills it."""
