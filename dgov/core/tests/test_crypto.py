import pytest

from dgov.core import crypto


def test_sm3_matches_the_standard_test_vector():
    # GB/T 32905-2016 Appendix A, example 1: SM3("abc").
    assert crypto.sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_field_encryption_round_trips_and_is_randomised():
    a = crypto.sm4_encrypt_text("440704195603120018", context="t")
    b = crypto.sm4_encrypt_text("440704195603120018", context="t")
    assert a != b and a.startswith("sm4gcm1:")
    assert "440704195603120018" not in a
    assert crypto.sm4_decrypt_text(a, context="t") == "440704195603120018"


def test_field_ciphertext_is_bound_to_its_column():
    token = crypto.sm4_encrypt_text("13800000001", context="accounts.user.phone")
    with pytest.raises(crypto.DecryptionError):
        crypto.sm4_decrypt_text(token, context="accounts.user.id_number")


@pytest.mark.parametrize(
    "mutate", [lambda t: t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB"), lambda t: t[:20], lambda t: "x" + t]
)
def test_tampered_ciphertext_is_refused(mutate):
    token = crypto.sm4_encrypt_text("secret", context="t")
    with pytest.raises(crypto.DecryptionError):
        crypto.sm4_decrypt_text(mutate(token), context="t")


def test_search_digest_is_keyed_and_deterministic():
    d1 = crypto.search_digest("13800000001", context="phone")
    assert d1 == crypto.search_digest("13800000001", context="phone")
    assert d1 != crypto.sm3_hex(b"13800000001")
    assert d1 != crypto.search_digest("13800000001", context="id_number")


def test_sm2_sign_and_verify():
    private, public = crypto.sm2_generate_keypair()
    assert public.startswith("04") and len(public) == 130
    sig = crypto.sm2_sign(private, public, b"licence body")
    assert crypto.sm2_verify(public, b"licence body", sig)
    assert not crypto.sm2_verify(public, b"licence body!", sig)
    assert not crypto.sm2_verify(public, b"licence body", "00" + sig[2:])
    _other_private, other_public = crypto.sm2_generate_keypair()
    assert not crypto.sm2_verify(other_public, b"licence body", sig)
