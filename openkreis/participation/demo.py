"""Demo surveys (owner: P1)."""


def load_demo(tenant, folder, report):
    """Skeleton until P1 fills it."""
