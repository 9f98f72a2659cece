"""Demo hosts, stays and tickets (owner: T2 hosts helper replaces this skeleton)."""


def load_demo(tenant, folder, report) -> None:
    return None
