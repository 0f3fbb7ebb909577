"""Online payments behind one small interface, so a real processor plugs in by setting
BILLING_PAYMENT_PROVIDER to a dotted path, and tests use the local fake.

Every call carries an idempotency key: the provider must answer a repeated key with the
original charge instead of charging again (as real processors do), and billing also
refuses to record a second payment with the same key.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Protocol

from django.conf import settings
from django.core.cache import cache as tenant_cache
from django.utils.module_loading import import_string


class PaymentDeclined(Exception):
    """The provider refused; the message is safe to show to the payer."""


@dataclass(frozen=True)
class Charge:
    id: str
    amount: Decimal
    currency: str


class PaymentProvider(Protocol):
    name: str

    def charge(self, *, amount: Decimal, currency: str, token: str,
               idempotency_key: str) -> Charge: ...

    def refund(self, *, charge_id: str, amount: Decimal, idempotency_key: str) -> str: ...

    def charge_lookup(self, *, idempotency_key: str) -> Charge | None:
        """The charge made with this idempotency key, or None if there is none (the
        reconcile task's question after a failure between charging and recording)."""
        ...

    def card_token(self, *, number: str, exp_month: int, exp_year: int, cvc: str,
                   name: str) -> str:
        """A one-use token for the card the payer typed (raises PaymentDeclined with a
        message for the payer). A hosted processor tokenises in the browser instead and
        its page posts the token; the card form's checks are the same."""
        ...


_TOKEN = re.compile(r"tok_[a-z0-9_]{1,40}")
_DAY = 24 * 60 * 60


class FakeProvider:
    """A local processor for development and tests. It keeps its charges in the firm's
    Redis cache (so it behaves the same across processes) and honours idempotency keys.

    Tokens: `tok_declined` is declined, any other `tok_...` succeeds. The card form turns
    the published test card numbers into these tokens (`card_token`).
    """

    name = "fake"
    CHARGES_KEY = "billing:fake-provider:charges-made"
    # Pages say so: no money moves, and only the test cards below are accepted.
    test_mode = True
    # Test card numbers (the ones processors publish for their test modes).
    TEST_CARDS = {"4242424242424242": "tok_visa", "5555555555554444": "tok_mastercard",
                  "378282246310005": "tok_amex", "4000000000000002": "tok_declined"}

    def card_token(self, *, number: str, exp_month: int, exp_year: int, cvc: str,
                   name: str) -> str:
        token = self.TEST_CARDS.get(number)
        if token is None:
            raise PaymentDeclined("Test mode takes only the test card numbers shown above; "
                                  "no real card is charged.")
        return token

    def charge(self, *, amount: Decimal, currency: str, token: str,
               idempotency_key: str) -> Charge:
        if not _TOKEN.fullmatch(token or ""):
            raise PaymentDeclined("That card could not be read; enter it again.")
        if token == "tok_declined":
            raise PaymentDeclined("The card was declined.")
        charge_id = "ch_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
        stored = {"id": charge_id, "amount": str(amount), "currency": currency}
        key = f"billing:fake-provider:charge:{idempotency_key}"
        if tenant_cache.add(key, stored, _DAY):
            tenant_cache.get_or_set(self.CHARGES_KEY, 0, _DAY)
            tenant_cache.incr(self.CHARGES_KEY)
        else:
            stored = tenant_cache.get(key) or stored
            if Decimal(stored["amount"]) != amount or stored["currency"] != currency:
                raise PaymentDeclined("This payment was already made with a different amount.")
        return Charge(id=stored["id"], amount=Decimal(stored["amount"]),
                      currency=stored["currency"])

    def refund(self, *, charge_id: str, amount: Decimal, idempotency_key: str) -> str:
        refund_id = "re_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
        tenant_cache.add(f"billing:fake-provider:refund:{idempotency_key}",
                         {"charge": charge_id, "amount": str(amount)}, _DAY)
        return refund_id

    def charge_lookup(self, *, idempotency_key: str) -> Charge | None:
        stored = tenant_cache.get(f"billing:fake-provider:charge:{idempotency_key}")
        if stored is None:
            return None
        return Charge(id=stored["id"], amount=Decimal(stored["amount"]),
                      currency=stored["currency"])

    @classmethod
    def refunds_made(cls, idempotency_key: str) -> dict | None:
        return tenant_cache.get(f"billing:fake-provider:refund:{idempotency_key}")

    @classmethod
    def charges_made(cls) -> int:
        return int(tenant_cache.get(cls.CHARGES_KEY) or 0)


@cache
def payment_provider_get() -> PaymentProvider:
    return import_string(settings.BILLING_PAYMENT_PROVIDER)()


def online_payments_enabled() -> bool:
    """Production never takes money through the fake."""
    return not (settings.IS_PROD and settings.BILLING_PAYMENT_PROVIDER.endswith(".FakeProvider"))
