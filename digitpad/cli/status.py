"""What every command shows its caller the same way: exit statuses, and how often a progress line is redrawn."""

EXIT_OK = 0
EXIT_FAILED = 1
"""Part of the work failed: rows with errors (classify), a model not made or not acceptable (train, retrain)."""
EXIT_USAGE = 2
"""Nothing could start: a missing path or model, a bad option (argparse exits with 2 too)."""
EXIT_INTERRUPTED = 130
"""Stopped by Ctrl+C (128 + SIGINT, as shells report it), with a line saying so; what was done is kept (classify's
rows so far), nothing is half written."""
EXIT_OUTPUT_CLOSED = 141
"""Whoever read the output stopped reading (`digitpad classify FOLDER | head`): stopped quietly, as a command
ended by SIGPIPE (128 + 13) is reported."""
PROGRESS_INTERVAL_SECONDS = 0.25
"""A progress line on a terminal is redrawn at most this often."""
