"""Two copies of one message at the same moment (a retry racing the first delivery) make one case:
the second waits on the (peer, id) index, then answers with the first one's answer. PostgreSQL only
(SQLite serialises writers, and its test database is not shared between threads)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from dgov.accounts.models import User
from dgov.cases.models import Case
from dgov.crossregion.models import InboundMessage, Peer, RemoteItem
from dgov.crossregion.services.handover_delivery import handover_body
from dgov.crossregion.tests.conftest import hand_over
from dgov.crossregion.tests.test_protocol import post_raw, signed

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")


@pytest.mark.django_db(transaction=True)
def test_two_copies_of_a_handover_at_once_make_one_case(
    reference_data_again: None,
    clerk: User,
    peers: dict[str, Peer],
    remote_items: dict[str, RemoteItem],
    pengjiang: dict[str, Any],
) -> None:
    handover = hand_over(clerk, peers["440703"], remote_items["440703"])
    raw, headers = signed(kind="handover", body=handover_body(handover), message_id=handover.message_id)
    start = threading.Barrier(2)
    answers: list[Any] = []

    def deliver() -> None:
        try:
            start.wait()
            answers.append(post_raw(raw, headers))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.status_code for a in answers) == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert Case.objects.filter(item=pengjiang["item"]).count() == 1
    assert InboundMessage.objects.filter(message_id=handover.message_id).count() == 1
