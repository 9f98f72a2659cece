"""Demo employers and jobs (owner: J2)."""


def load_demo(tenant, folder, report):
    """Skeleton until J2 fills it."""
