"""The ``pcxguard`` command."""

from __future__ import annotations

import argparse
import sys

from pcxguard.resources import data_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pcxguard", description="Cross-resource AWS VPC-peering checks.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("checks-dir", help="print the checkov external-checks directory "
                                           '(checkov --external-checks-dir "$(pcxguard checks-dir)")')
    commands.add_parser("policies-dir", help="print the policy catalogue directory")
    args = parser.parse_args(argv)
    if args.command == "checks-dir":
        print(data_dir("checks"))
        return 0
    if args.command == "policies-dir":
        print(data_dir("policies"))
        return 0
    return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
