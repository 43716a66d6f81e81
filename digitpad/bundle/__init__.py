"""The packaged app around the code: its icon, the executable's splash screen, the desktop menu entry."""
