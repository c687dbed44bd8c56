"""`python -m verzek <command>`: dispatch to the command modules in verzek/cli/."""

from __future__ import annotations

import importlib
import sys

# command -> module exposing `main(argv: list[str]) -> int`
COMMANDS = {
    "serve": ("verzek.cli.serve", "run the service (same as app.py)"),
    "dca-plan": ("verzek.cli.dca", "compute and print a DCA plan"),
    "parse": ("verzek.cli.parse", "parse signal messages (JSON lines on stdin, or --text)"),
    "keys": ("verzek.cli.keys", "manage the master keys: `keys rotate` re-encrypts secrets"),
    "telegram": ("verzek.cli.telegram", "`telegram login` creates a Telethon StringSession"),
}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help") or args[0] not in COMMANDS:
        out = sys.stdout if args and args[0] in ("-h", "--help") else sys.stderr
        print("usage: python -m verzek <command> [options]\n\ncommands:", file=out)
        for name, (_, help_text) in COMMANDS.items():
            print(f"  {name:<10} {help_text}", file=out)
        return 0 if out is sys.stdout else 2
    module = importlib.import_module(COMMANDS[args[0]][0])
    return int(module.main(args[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
