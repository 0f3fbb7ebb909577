"""Chain keys come from the environment and rotate like the field keys."""

import base64

import pytest
from django.core.exceptions import ImproperlyConfigured
from django_tenants.utils import schema_context

from apps.audit import chain
from apps.audit.models import AuditAction, AuditEvent
from apps.audit.selectors import audit_chain_verify
from apps.audit.services import audit_chain_anchor, audit_record

pytestmark = pytest.mark.django_db

OLD = "old1:" + base64.urlsafe_b64encode(b"o" * 32).decode()
NEW = "new2:" + base64.urlsafe_b64encode(b"n" * 32).decode()


@pytest.fixture
def keys(settings):
    def use(spec: str) -> None:
        settings.AUDIT_CHAIN_KEYS = spec
        chain.chain_keys_reset()

    yield use
    chain.chain_keys_reset()


def _event(n: int) -> AuditEvent:
    return audit_record(action=AuditAction.EXPORTED, details={"n": n})


def test_rotation_keeps_rows_sealed_under_the_old_key_verifiable(firm_a, keys):
    with schema_context(firm_a.firm.schema_name):
        keys(OLD)
        before = [_event(1), _event(2)]
        audit_chain_anchor()
        keys(f"{NEW},{OLD}")  # the new key seals, the old one still verifies
        after = [_event(3), _event(4)]
        audit_chain_anchor()

        key_ids = dict(AuditEvent.objects.filter(pk__in=[e.pk for e in before + after])
                       .values_list("pk", "key_id"))
        report = audit_chain_verify()

    assert [key_ids[e.pk] for e in before + after] == ["old1", "old1", "new2", "new2"]
    assert report.intact, report.reason


def test_dropping_a_key_still_in_use_is_reported(firm_a, keys):
    with schema_context(firm_a.firm.schema_name):
        keys(OLD)
        _event(1)
        audit_chain_anchor()
        first_under_old = AuditEvent.objects.filter(key_id="old1").order_by("chain_seq").first()
        keys(NEW)

        report = audit_chain_verify()

    assert report.broken_at_id == first_under_old.pk
    assert "'old1', which is not in AUDIT_CHAIN_KEYS" in report.reason


def test_a_seal_made_with_another_key_does_not_verify(firm_a, keys):
    """A database owner who guesses or invents a key cannot forge seals."""
    with schema_context(firm_a.firm.schema_name):
        keys(OLD)
        _event(1)
        audit_chain_anchor()
        keys("old1:" + base64.urlsafe_b64encode(b"x" * 32).decode())

        report = audit_chain_verify()

    assert not report.intact


@pytest.mark.parametrize(("spec", "message"), [
    ("", "AUDIT_CHAIN_KEYS is not set"),
    ("bad id!:" + "A" * 43, "bad key id"),
    ("k1:c2hvcnQ", "32 bytes"),
    (f"{OLD},{OLD}", "appears twice"),
])
def test_bad_key_settings_are_refused_clearly(spec, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        chain.parse_chain_keys(spec)
