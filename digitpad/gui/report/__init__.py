"""The model report window, and what the windows say about which model is in use and how good it is."""
