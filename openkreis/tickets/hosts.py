"""Hosts' stays (owner: T2 hosts helper replaces this skeleton)."""


def is_host(user) -> bool:
    return False
