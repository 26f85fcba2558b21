"""The parent of a bundle follows its children: every committed case event may move it on."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from dgov.cases.signals import case_event_committed


@receiver(case_event_committed, dispatch_uid="dgov.bundles.follow_child")
def follow_child(sender: Any, case_id: int, kind: str, **kwargs: Any) -> None:
    """Runs after the case's transaction committed; the update runs in its own transaction.
    A case that is no bundle's child costs one indexed look-up."""
    from dgov.bundles.services import bundle_case_follow

    bundle_case_follow(case_id=case_id)
