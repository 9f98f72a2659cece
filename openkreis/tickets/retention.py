"""Retention and personal data (owner: T4 helper replaces this skeleton)."""


class TicketData:
    def export(self, user) -> dict:
        return {}

    def delete(self, user) -> None:
        return None
