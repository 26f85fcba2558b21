"""Refresh the copies of a peer's items from its public catalogue API."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Read a peer's published items (GET /catalog/items) and keep those open for handover."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("region", help="The peer's region code, e.g. 440703")

    def handle(self, *args: Any, **options: Any) -> None:
        from dgov.crossregion.models import Peer
        from dgov.crossregion.services import SyncError, remote_items_sync

        peer = Peer.objects.select_related("region").filter(region__code=options["region"]).first()
        if peer is None:
            raise CommandError(f"No peer platform for region {options['region']}: register it with crossregion_peer.")
        try:
            counts = remote_items_sync(actor=None, peer=peer)
        except SyncError as exc:
            raise CommandError(f"The catalogue of {peer} could not be read: {exc}") from exc
        self.stdout.write(
            f"{peer}: +{counts['created']} new, {counts['updated']} updated, {counts['deactivated']} no longer offered"
        )
