"""digitpad: a desktop handwriting pad that reads handwritten digits."""

APP_NAME = "digitpad"
__version__ = "0.1.0"
