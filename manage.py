#!/usr/bin/env python
"""Django's command-line utility for Recourse."""

import os
import sys


def main() -> None:
    # Everything this process writes (SQLite, cache, outbox, broker folder, storage) is its owner's only.
    os.umask(0o077)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
