"""Online booking, walk-in tickets, the counter page and the call display (Aufrufanlage)."""
