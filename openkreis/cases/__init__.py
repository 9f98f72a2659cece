"""The eAkte: cases, documents, file plan, workflow, requests for documents, decisions, court-file export, retention."""
