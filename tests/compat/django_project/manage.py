#!/usr/bin/env python
"""Django's command-line utility for the compat site (Mango-JWT 1.3.2 set up as its README says)."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compat_site.settings")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
