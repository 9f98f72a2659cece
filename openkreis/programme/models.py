"""Programme office and Gestaltungskreise (issue 24, docs/programme.md)."""
