"""Entry point for ``python -m hashing`` (see hashing.cli for commands and exit codes)."""

import sys

from .cli import main

sys.exit(main())
