"""Every write of 好差评: ratings (site, kiosk, the window's tablet, the SMS link), the one-time
rating links, the rectification loop of a bad rating and the exclusion of malicious ratings.

- **One rating per case and person (一事一评).** Checked first for a clear answer, and settled by
  the unique constraint when two requests race; the case row is locked while a rating is written.
- **A bad rating** (不满意, 非常不满意) opens a :class:`~dgov.ratings.models.Rectification` in the
  owning department in the same transaction, due in ``DGOV_RECTIFICATION_WORKING_DAYS`` working
  days (default 5, see :func:`dgov.ratings.rules.rectification_due_at`), and notifies the staff who
  work the department's rectifications. Overdue is computed on reading (the periodic
  ``sweep_deadlines`` belongs to the workflow kernel, which must not depend on ratings).
- **The loop.** open → called_back (回访核实) → resolved (立行立改 / 限期整改 with a ledger entry /
  说明解释) → reported back (the outcome is a notice to the rater) → closed. A real-name rating is
  not resolved before a call-back is recorded. The rater may appeal the outcome once; the
  rectification opens again for a second review with a new deadline.
- **Malicious ratings (恶意差评)** leave the statistics only by a reviewed decision: a member of the
  department's staff proposes with a reason, a department administrator who is not the proposer
  approves or refuses. The rating stays visible.

Each transition locks the rectification row and checks its state under the lock, so two people
acting at once get one success and one clear refusal. Every change is in the audit trail, written
in the same transaction; notices' SMS copies go out after commit.

The functions live in ``ratings`` (rating), ``links`` (the SMS link), ``rectification`` (the loop) and
``exclusions``; this package is the one place callers import them from.
"""

from dgov.ratings.rules import link_digest
from dgov.ratings.services.exclusions import exclusion_decide, exclusion_propose
from dgov.ratings.services.links import link_refusal, rating_invite_send, rating_link_for_case
from dgov.ratings.services.ratings import (
    rating_record_on_callback,
    rating_submit,
    rating_submit_at_window,
    rating_submit_by_link,
)
from dgov.ratings.services.rectification import (
    ledger_entry_done,
    rectification_appeal,
    rectification_call_back,
    rectification_close,
    rectification_rater_contact,
    rectification_report_back,
    rectification_resolve,
)

__all__ = [
    "exclusion_decide",
    "exclusion_propose",
    "ledger_entry_done",
    "link_digest",
    "link_refusal",
    "rating_invite_send",
    "rating_link_for_case",
    "rating_record_on_callback",
    "rating_submit",
    "rating_submit_at_window",
    "rating_submit_by_link",
    "rectification_appeal",
    "rectification_call_back",
    "rectification_close",
    "rectification_rater_contact",
    "rectification_report_back",
    "rectification_resolve",
]
