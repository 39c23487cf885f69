#!/usr/bin/env python
"""Django's command-line utility for TATviz."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tatviz.settings")
    from tatviz.process import tune_memory

    tune_memory()  # as the launcher does: load_exports reads large exports too
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
