"""seed_scale builds what it says, and seed_demo fills the demo portals."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client as HttpClient
from django_tenants.utils import schema_context

from apps.billing.models import Invoice
from apps.documents.models import Document
from apps.firms.demo import DEMO_PASSWORD
from apps.firms.models import Firm
from apps.portal.metrics import client_metrics_live, stored_documents_window
from apps.portal.models import Client, ClientAccess, ClientDashboardMetrics, Engagement, Task

pytestmark = pytest.mark.django_db


def test_seed_scale_builds_the_planned_rows_and_a_populated_view():
    out = io.StringIO()

    call_command("seed_scale", "--firms", "3", "--clients", "25", "--big-firm-clients", "15",
                 "--prefix", "tiny", stdout=out)

    sizes = {}
    for firm in Firm.objects.filter(slug__startswith="tiny-").order_by("slug"):
        with schema_context(firm.schema_name):
            sizes[firm.slug] = (Client.objects.count(), Engagement.objects.count(),
                                Task.objects.count(), Document.objects.count(),
                                Invoice.objects.count(), ClientDashboardMetrics.objects.count())
    assert sizes == {"tiny-big": (15, 75, 150, 150, 75, 15),
                     "tiny-001": (5, 25, 50, 50, 25, 5), "tiny-002": (5, 25, 50, 50, 25, 5)}
    text = out.getvalue()
    assert "[3/3] tiny-002" in text
    assert "25 clients, 125 engagements, 250 tasks, 250 documents, 125 invoices" in text
    with schema_context("firm_tiny_big"):
        client_id = Client.objects.order_by("id").values_list("id", flat=True)[3]
        view = ClientDashboardMetrics.objects.filter(client_id=client_id).values().get()
        view.pop("client_id")
        live = client_metrics_live([client_id], documents_since=stored_documents_window())
        assert view == live[client_id]


def test_seed_scale_refuses_nonsense_sizes():
    with pytest.raises(CommandError):
        call_command("seed_scale", "--firms", "0", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("seed_scale", "--documents-per-client", "-2", stdout=io.StringIO())


def test_seed_demo_gives_the_demo_client_users_a_filled_portal():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=io.StringIO())  # idempotent

    firm = Firm.objects.get(slug="johnson-associates")
    with schema_context(firm.schema_name):
        assert Client.objects.count() == 10
        assert ClientAccess.objects.count() == 3
        assert Document.objects.exists() and Invoice.objects.exists()
    http = HttpClient(HTTP_HOST="johnson-associates.localhost")
    assert http.post("/accounts/sign-in/", {"username": "client-owner@johnson-associates.test",
                                            "password": DEMO_PASSWORD}).status_code == 302
    page = http.get("/portal/", follow=True)
    assert page.status_code == 200
    assert "Brightline Bakery LLC" in page.content.decode()
    assert "portal data already there" not in out.getvalue()
