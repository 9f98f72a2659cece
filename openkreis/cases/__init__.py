"""The eAkte: cases, documents, file plan, workflow, document requests, decisions,
court-file export, retention."""
