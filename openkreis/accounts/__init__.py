"""Citizen and company accounts, profile, OpenID Connect login, the secure mailbox (Postfach)."""
