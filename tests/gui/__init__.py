"""Tests of the desktop window (need a display: run under xvfb-run)."""
