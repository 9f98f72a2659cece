"""openkreis's database backends (docs/scaling.md, "The database driver")."""
