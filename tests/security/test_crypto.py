import pickle

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.security import crypto
from apps.security.fields import Sensitive


@pytest.fixture
def two_keys(settings):
    old, new = crypto.new_key_spec("old"), crypto.new_key_spec("new")
    settings.FIELD_ENCRYPTION_KEYS = old
    crypto.key_ring_reset()
    yield old, new
    crypto.key_ring_reset()


def test_round_trip_with_random_nonces():
    first = crypto.encrypt("123-45-6789", context="portal.client.ssn")
    second = crypto.encrypt("123-45-6789", context="portal.client.ssn")

    assert first != second
    assert "6789" not in first
    assert crypto.decrypt(first, context="portal.client.ssn") == "123-45-6789"


@pytest.mark.parametrize("tamper", [
    lambda v: v[:-4] + ("AAAA" if not v.endswith("AAAA") else "BBBB"),
    lambda v: v.replace("v1:", "v2:"),
    lambda v: v + "==",
    lambda v: v[: len(v) // 2],
])
def test_a_tampered_value_raises_and_never_returns_garbage(tamper):
    stored = crypto.encrypt("98-7654321", context="portal.client.ein")

    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(tamper(stored), context="portal.client.ein")


def test_a_value_moved_to_another_field_does_not_decrypt():
    stored = crypto.encrypt("123-45-6789", context="portal.client.ssn")

    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(stored, context="portal.client.bank_account")


def test_rotation_keeps_old_values_readable_and_encrypts_with_the_new_key(two_keys, settings):
    old, new = two_keys
    written_before = crypto.encrypt("555-11-2222", context="x.y.z")

    settings.FIELD_ENCRYPTION_KEYS = f"{new},{old}"
    crypto.key_ring_reset()

    assert crypto.decrypt(written_before, context="x.y.z") == "555-11-2222"
    assert crypto.key_id_of(crypto.encrypt("555-11-2222", context="x.y.z")) == "new"
    settings.FIELD_ENCRYPTION_KEYS = new
    crypto.key_ring_reset()
    with pytest.raises(crypto.DecryptionError, match="no key 'old'"):
        crypto.decrypt(written_before, context="x.y.z")


@pytest.mark.parametrize("spec", ["", "bad id:AAAA", "k1:not-base64!!", "k1:" + "A" * 8])
def test_bad_key_configuration_fails_clearly(spec):
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        crypto.parse_key_ring(spec)


def test_blind_index_normalises_and_is_scoped():
    same = crypto.blind_index("12-3456789", scope="firm_a:ein")

    assert crypto.blind_index("123456789", scope="firm_a:ein") == same
    assert crypto.blind_index(" 12 345 6789 ", scope="firm_a:ein") == same
    assert crypto.blind_index("12-3456789", scope="firm_b:ein") != same
    assert crypto.blind_index("12-3456780", scope="firm_a:ein") != same


@pytest.mark.parametrize(("kind", "value", "masked"), [
    ("ssn", "123-45-6789", "***-**-6789"),
    ("ein", "12-3456789", "**-***6789"),
    ("account", "000123456789", "****6789"),
])
def test_masks(kind, value, masked):
    sensitive = Sensitive(value, kind)

    assert str(sensitive) == masked
    assert f"{sensitive}" == masked
    assert value not in repr(sensitive)
    assert sensitive.reveal() == value


def test_sensitive_values_cannot_be_pickled_into_caches_or_queues():
    with pytest.raises(TypeError):
        pickle.dumps(Sensitive("123-45-6789", "ssn"))


def test_a_key_id_listed_twice_is_refused():
    # Before, the later key silently replaced the first under the id that encrypts.
    one = crypto.new_key_spec("k1")
    two = crypto.new_key_spec("k1")
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS: key id k1 appears "
                                                   "twice"):
        crypto.parse_key_ring(f"{one},{two}")
