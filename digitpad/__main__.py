"""Entry point for ``python -m digitpad`` (the same as the ``digitpad`` command)."""

import sys

from digitpad.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
