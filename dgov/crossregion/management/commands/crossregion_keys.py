"""Show this platform's exchange public key (made on first use), or rotate it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dgov.core.crypto import SM2_ALGORITHM


class Command(BaseCommand):
    help = (
        "Print this platform's SM2 exchange public key for the other regions' platforms (creating the key "
        "pair when there is none); --rotate retires it and makes a new one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rotate", action="store_true", help="Retire the current key and make a new one.")

    def handle(self, *args: Any, **options: Any) -> None:
        from dgov.crossregion.selectors import own_region_codes
        from dgov.crossregion.services import exchange_key_ensure, exchange_key_rotate

        key = exchange_key_rotate() if options["rotate"] else exchange_key_ensure()
        self.stdout.write(f"regions:    {','.join(own_region_codes())}")
        self.stdout.write(f"key id:     {key.key_id}")
        self.stdout.write(f"algorithm:  {SM2_ALGORITHM} (signer id 1234567812345678)")
        self.stdout.write(f"public key: {key.public_key}")
        if options["rotate"]:
            self.stdout.write(self.style.WARNING("Give the new public key to every peer platform."))
