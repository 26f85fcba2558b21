"""跨域通办 — cross-region handling: applications received here for another region's items.

A window clerk takes in an application for an item that another region's platform handles (异地
代收): the applicant (name, ID number, mobile), the item's form rendered from the peer's
published schema, and the scanned materials. The ``Handover`` records the receiving region and
department, the handling region (a ``Peer``) and the item (a ``RemoteItem``, the copy of the
peer's guide). It is handed over through the peer's API at once (or by the retrying outbox) and
the peer — which may be another instance of this platform — makes a case there through its own
``case_submit`` (channel ``partner``, partner "<receiving region>异地代收", ``received_in`` the
receiving region). The case number comes back in the answer; accepted, corrections asked for,
concluded with the result, and e-licence issued come back as status messages, update the
handover and notify the applicant.

The protocol (docs/crossregion.md): ``POST {peer}/crossregion/messages`` with the JSON envelope
``{id, kind: handover|status, from, to, sent_at, body}``, signed with SM2 (SM3, default signer id)
over the exact body bytes in ``X-DGOV-Signature`` (base64) with ``X-DGOV-Region``. Each side:

- verifies against the public key it holds for the sender's region; unknown peer 403, bad
  signature 401, malformed or misaddressed 400 — nothing written;
- answers each (peer, message id) once: a repeat gets the stored answer, the same id with other
  content 409; the handling side's case uses the message id as its idempotency key too;
- sends from an outbox: claimed by a conditional update, posted outside any transaction, retried
  with backoff (1, 2, 4 … minutes, at most 6 hours, 12 attempts) under the same id, so a lost
  answer never makes a second case and a lost message is sent again.

Layout: ``models`` · ``protocol`` (envelope, digest, limits) · ``signing`` (the only code that
decrypts the exchange private key, SM4-GCM under the ``crossregion-keys`` purpose key) ·
``transport`` (HTTPS, or in-process for two regions in one process) · ``services`` (every write) ·
``selectors`` (every read and who may see it) · ``api`` (the exchange endpoints) · ``views``
(``/crossregion/`` pages, ``Perm.CROSSREGION_HANDOVER``) · ``tasks`` · management commands
``crossregion_keys``, ``crossregion_peer``, ``crossregion_sync_items``, ``crossregion_send``,
``load_demo_crossregion``. The regions an instance serves: ``DGOV_CROSSREGION_REGIONS``.
"""
