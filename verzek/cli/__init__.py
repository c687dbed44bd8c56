"""Command-line entry points behind `python -m verzek <command>`."""
