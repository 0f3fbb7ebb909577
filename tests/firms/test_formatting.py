"""The one set of formatting filters, and pages shown in the firm's own time zone."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone

from apps.accounts.roles import Role
from apps.firms.models import DEFAULT_FIRM_TIME_ZONE, Firm
from apps.firms.services import firm_security_settings_update


def render(source: str, **context) -> str:
    return Template("{% load formatting %}" + source).render(Context(context))


@pytest.mark.parametrize(("value", "currency", "shown"), [
    (Decimal("30150"), "USD", '<span class="money">$30,150.00</span>'),
    (Decimal("1234567.005"), "USD", '<span class="money">$1,234,567.01</span>'),
    (Decimal("-5"), "USD", '<span class="money">\u2212$5.00</span>'),
    (Decimal("-0.001"), "USD", '<span class="money">$0.00</span>'),
    (Decimal("1200"), "EUR", '<span class="money">€1,200.00</span>'),
    (Decimal("1200"), "chf", '<span class="money">1,200.00\u00a0CHF</span>'),
    (None, "USD", '<span class="money">—</span>'),
    ("not a number", "USD", '<span class="money">—</span>'),
])
def test_money_has_cents_separators_and_a_symbol_in_one_unbreakable_span(value, currency,
                                                                          shown):
    assert render("{{ v|money:c }}", v=value, c=currency) == shown


def test_money_without_a_currency_is_dollars_and_whole_money_rounds_half_up():
    assert render("{{ v|money }}", v=Decimal("0.5")) == '<span class="money">$0.50</span>'
    assert render("{{ v|money_whole }}", v=Decimal("249.5")) == \
        '<span class="money">$250</span>'
    assert render("{{ v|money_text:'GBP' }}", v=Decimal("12.3")) == "£12.30"


@pytest.mark.parametrize(("filter_", "value", "shown"), [
    ("percent", Decimal("0.15"), "15\u00a0%"),
    ("percent", Decimal("0.0825"), "8.3\u00a0%"),
    ("percent", Decimal("0.5438"), "54.4\u00a0%"),
    ("percent", 1, "100\u00a0%"),
    ("percent_points", Decimal("8.875"), "8.875\u00a0%"),
    ("percent_points", Decimal("15.000"), "15\u00a0%"),
    ("hours", Decimal("1.50"), "1.5\u00a0h"),
    ("hours", Decimal("37.25"), "37.25\u00a0h"),
    ("hours", 0, "0\u00a0h"),
    ("hours", Decimal("1234.5"), "1,234.5\u00a0h"),
    ("percent", None, "—"),
    ("hours", "", "—"),
    ("number", 1234567, "1,234,567"),
    ("number", Decimal("0.5312"), "1"),
    ("number", None, "—"),
])
def test_percentages_and_hours(filter_, value, shown):
    assert render("{{ v|" + filter_ + " }}", v=value) == shown


def test_number_keeps_at_most_the_places_asked_for():
    assert render("{{ v|number:2 }}", v=0.5312) == "0.53"
    assert render("{{ v|number:1 }}", v=Decimal("12.00")) == "12"
    assert render("{{ v|number:2 }}", v=Decimal("-1234.5")) == "\u22121,234.5"


def test_dates_and_times_are_shown_in_the_active_zone_with_the_zone_where_it_matters():
    moment = dt.datetime(2026, 12, 8, 2, 5, tzinfo=dt.UTC)  # Dec 7, 9:05 PM in New York

    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        assert render("{{ v|day }}", v=moment) == "Dec 7, 2026"
        assert render("{{ v|day_time }}", v=moment) == \
            '<span class="nowrap">Dec 7, 2026, 9:05 PM</span>'
        assert render("{{ v|day_time_zone }}", v=moment) == \
            '<span class="nowrap">Dec 7, 2026, 9:05 PM EST</span>'
        assert render("{% zone_label %}") == "America/New_York"
    with timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo")):
        assert render("{{ v|day_time_zone }}", v=moment) == \
            '<span class="nowrap">Dec 8, 2026, 11:05 AM JST</span>'
    assert render("{{ v|day }}", v=dt.date(2026, 3, 1)) == "Mar 1, 2026"
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        assert render("{{ v|day_short }} · {{ v|month }} · {{ v|month_long }}", v=moment) == \
            "Dec 7 · Dec 2026 · December 2026"
    assert render("{{ v|month }}", v=dt.date(2027, 1, 1)) == "Jan 2027"
    assert render("{{ v|day }} {{ v|day_time }}", v=None) == "— —"


def test_a_new_firm_is_in_the_default_zone(firm_a):
    assert Firm.objects.get(pk=firm_a.firm.pk).time_zone == DEFAULT_FIRM_TIME_ZONE == \
        "America/New_York"


def test_firm_admins_set_the_time_zone_and_staff_and_portal_pages_follow_it(firm_a):
    admin = firm_a.client(Role.ADMIN)
    assert "times shown in America/New_York" in admin.get("/security/settings/").text

    response = admin.post("/security/settings/", {"staff_idle_timeout_minutes": "15",
                                                  "time_zone": "Asia/Tokyo"})

    assert response.status_code == 302
    assert Firm.objects.get(pk=firm_a.firm.pk).time_zone == "Asia/Tokyo"
    assert "times shown in Asia/Tokyo" in admin.get("/security/settings/").text
    assert "times shown in Asia/Tokyo" in firm_a.client(Role.PARTNER).get("/").text
    portal = firm_a.client(Role.CLIENT_OWNER).get("/portal/", follow=True)
    assert portal.status_code == 200
    assert "times shown in Asia/Tokyo" in portal.text
    # Outside a request nothing stays active: background work and the public site are UTC.
    assert timezone.get_current_timezone_name() == "UTC"


def test_a_post_without_a_zone_keeps_the_zone_and_an_unknown_zone_is_a_field_error(firm_a):
    admin = firm_a.client(Role.ADMIN)

    assert admin.post("/security/settings/", {"staff_idle_timeout_minutes": "20"}
                      ).status_code == 302
    response = admin.post("/security/settings/", {"staff_idle_timeout_minutes": "20",
                                                  "time_zone": "Mars/Olympus_Mons"})

    assert response.status_code == 400
    assert "time_zone" in response.context["form"].errors
    assert Firm.objects.get(pk=firm_a.firm.pk).time_zone == "America/New_York"


def test_the_service_refuses_a_zone_name_it_does_not_know(firm_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        firm_security_settings_update(firm=firm_a.firm, by=firm_a.user(Role.OWNER),
                                      time_zone="+05:00")

    assert "time_zone" in refused.value.message_dict
    assert Firm.objects.get(pk=firm_a.firm.pk).time_zone == "America/New_York"


def test_the_api_keeps_utc_whatever_the_firms_zone(firm_a):
    from django.test import RequestFactory

    from apps.firms.middleware import FirmTimeZoneMiddleware

    firm = Firm.objects.get(pk=firm_a.firm.pk)
    firm.time_zone = "Asia/Tokyo"
    seen = []
    middleware = FirmTimeZoneMiddleware(
        lambda request: seen.append(timezone.get_current_timezone_name()))
    for path in ("/api/v1/clients/", "/staff/clients/"):
        request = RequestFactory().get(path)
        request.firm = firm
        middleware(request)

    assert seen == ["UTC", "Asia/Tokyo"]
