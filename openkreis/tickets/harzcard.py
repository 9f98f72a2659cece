"""HarzCard attractions and entries (owner: T3 inspector helper replaces this skeleton)."""


def load(tenant, folder, report) -> None:
    return None
