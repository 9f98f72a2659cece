"""Beteiligung services: the entry points other code and tests use. Each part keeps its own
module (surveys.py: authoring; voting.py: taking part, codes, receipts; letters.py: code
letters; results.py: counting and suppression; proposals.py: proposals and moderation)."""
