"""The main window's parts: drawing pad, live answer, answer panel, teaching, toolbar, menus and their actions."""
