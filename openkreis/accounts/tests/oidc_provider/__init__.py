"""A real OpenID Connect provider for the tests: django-oauth-toolkit (Jazzband) with OIDC
enabled, in its own Django settings and its own process (see test_oidc.py). It signs ID
tokens with an RSA key made at start-up, publishes discovery and JWKS, and serves
authorization code + PKCE, token and userinfo endpoints — the same protocol BundID or a
state account speaks."""
