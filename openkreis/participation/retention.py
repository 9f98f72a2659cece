"""Personal data and retention of Beteiligung (owner: P4)."""


class ParticipationData:
    def export(self, user):
        return {}

    def erase(self, user) -> None:
        return None
