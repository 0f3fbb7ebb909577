"""Every billing API endpoint that takes a body refuses a bad one with a 400 in one
shape (advisoros/api.py::validated_body), and writes nothing."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.accounts.roles import Role
from apps.billing.models import Invoice, Payment
from tests.billing.factories import sent_invoice

pytestmark = pytest.mark.django_db
API = "/api/v1/billing"

NOT_JSON = ("{not json", {"non_field_errors": ["The body is not valid JSON: send a JSON "
                                               "object."]})
AN_ARRAY = ("[1, 2]", {"non_field_errors": ["Send a JSON object."]})


@pytest.mark.parametrize(("endpoint", "required"), [
    ("invoices/", "client"), ("invoices/{pk}/void/", "reason"), ("payments/", "invoice")])
def test_a_bad_body_is_a_400_with_messages_and_writes_nothing(in_firm_a, endpoint, required):
    invoice = sent_invoice()
    before = (Invoice.objects.count(), Payment.objects.count(), invoice.status)
    connection.set_schema_to_public()
    api = in_firm_a.client(Role.MANAGER)
    url = f"{API}/{endpoint.format(pk=invoice.pk)}"

    answers = [api.post(url, body, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="bodies-000001")
               for body in (NOT_JSON[0], AN_ARRAY[0], "{}")]

    assert [a.status_code for a in answers] == [400, 400, 400]
    assert answers[0].json() == NOT_JSON[1]
    assert answers[1].json() == AN_ARRAY[1]
    assert answers[2].json()[required] == ["This field is required."]
    connection.set_tenant(in_firm_a.firm)
    invoice.refresh_from_db()
    assert (Invoice.objects.count(), Payment.objects.count(), invoice.status) == before
