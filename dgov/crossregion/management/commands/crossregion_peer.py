"""Register or update another region's platform (its API address and exchange public key)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dgov.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Register another region's platform: crossregion_peer 440703 蓬江区 https://…/api/v1 04ab…"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("region_code")
        parser.add_argument("region_name")
        parser.add_argument("base_url", help="The peer's API root, e.g. https://example.gov.cn/api/v1")
        parser.add_argument("public_key", help="Its exchange public key (GET {base_url}/crossregion/key)")
        parser.add_argument("--inactive", action="store_true", help="Stop exchanging messages with it.")

    def handle(self, *args: Any, **options: Any) -> None:
        from dgov.crossregion.services import peer_save

        try:
            peer = peer_save(
                actor=None,
                region_code=options["region_code"],
                region_name=options["region_name"],
                base_url=options["base_url"],
                public_key=options["public_key"],
                active=not options["inactive"],
            )
        except ApplicationError as exc:
            details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.field_errors.items())
            raise CommandError(f"{exc.message} {details}") from exc
        self.stdout.write(
            f"Peer {peer.region.code} {peer.region.name}: {peer.base_url} ({'active' if peer.active else 'inactive'})"
        )
