"""openkreis — digital administration platform for German counties."""
