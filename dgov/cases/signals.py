"""Signals other apps listen to, so the cases app depends on none of them.

``case_event_committed`` is sent after the transaction that wrote a case's timeline events commits
(never for a rolled-back one), once per case and transaction, with ``case_id``, ``kinds`` (the
CaseEvent.Kind values written, in order), ``kind`` (the last of them) and ``handed_over`` (whether
the case came from another region's platform: it has a receiving region). Receivers
run outside that transaction; a receiver's failure is logged and does not affect the case (robust
on-commit). Bundles (一件事) follow their children by it; cross-region handling (跨域通办) reports
status back to the receiving region by it.
"""

from __future__ import annotations

from django.dispatch import Signal

case_event_committed = Signal()
