"""VerzekAutoTrader service entry point: `python app.py` (or `make run`)."""

import sys

from verzek.cli.serve import main

if __name__ == "__main__":
    sys.exit(main())
