"""Signals other apps listen to, so the cases app depends on none of them.

``case_event_committed`` is sent after the transaction that wrote a case's timeline event commits
(never for a rolled-back one), with ``case_id`` and ``kind`` (a CaseEvent.Kind value). Receivers
run outside that transaction; a receiver's failure is logged and does not affect the case (robust
on-commit). Bundles (一件事) follow their children by it; cross-region handling (跨域通办) reports
status back to the receiving region by it.
"""

from __future__ import annotations

from django.dispatch import Signal

case_event_committed = Signal()
