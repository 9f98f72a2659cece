"""Inspector check events and demo staff (owner: T3 inspector helper replaces this skeleton)."""


def load_demo(tenant, folder, report) -> None:
    return None
