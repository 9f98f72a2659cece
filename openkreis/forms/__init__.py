"""Form definitions as data (and FIM XDatenfelder import), multi-step rendering,
validation, drafts."""
