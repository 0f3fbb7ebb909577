import pytest
from django.core.cache import caches

from apps.firms.models import Domain
from apps.firms.selectors import firm_host_cache_key

pytestmark = pytest.mark.django_db


def test_bare_domain_serves_the_public_site(public_client):
    response = public_client.get("/")

    assert response.status_code == 200
    assert b"The practice portal for CPA and accounting firms" in response.content


def test_firm_host_serves_that_firm(firm_a):
    response = firm_a.client("owner").get("/")

    assert response.status_code == 200
    assert response.context["firm"] == firm_a.firm
    assert firm_a.firm.name.encode() in response.content


def test_unknown_host_gets_a_friendly_404(firm_a):
    client = firm_a.client()

    response = client.get("/", HTTP_HOST="no-such-firm.localhost")

    assert response.status_code == 404
    assert b"There is no firm at no-such-firm.localhost" in response.content


def test_disallowed_host_is_404_not_500(public_client):
    response = public_client.get("/", HTTP_HOST="evil.example.com")

    assert response.status_code in (400, 404)


def test_warm_routing_runs_no_query(firm_a, django_assert_num_queries):
    client = firm_a.client()
    client.get("/accounts/sign-in/")  # warms the host->firm cache

    with django_assert_num_queries(0):
        response = client.get("/accounts/sign-in/")

    assert response.status_code == 200
    assert response.context["firm"] == firm_a.firm


def test_domain_change_drops_the_cached_route(firm_a, django_capture_on_commit_callbacks):
    client = firm_a.client()
    client.get("/accounts/sign-in/")
    assert caches["public"].get(firm_host_cache_key(firm_a.host)) is not None

    with django_capture_on_commit_callbacks(execute=True):
        Domain.objects.filter(domain=firm_a.host).get().save()

    assert caches["public"].get(firm_host_cache_key(firm_a.host)) is None


def test_a_process_reuses_its_routed_firm_briefly_and_forgets_it_on_change(
        firm_a, settings, django_capture_on_commit_callbacks):
    from apps.firms.selectors import firm_for_host

    settings.FIRM_HOST_LOCAL_SECONDS = 60
    first = firm_for_host(firm_a.host)
    caches["public"].clear()  # Redis has nothing now; this process still routes

    again = firm_for_host(firm_a.host)
    assert again == first and again is not first  # a copy: requests may change theirs

    with django_capture_on_commit_callbacks(execute=True):
        firm = again
        firm.name = "Alpha CPA, renamed"
        firm.save()
    assert firm_for_host(firm_a.host).name == "Alpha CPA, renamed"


def test_unknown_hosts_are_not_kept_in_process(firm_a):
    from apps.firms import selectors

    for index in range(50):
        assert selectors.firm_for_host(f"made-up-{index}.localhost") is None

    assert not any(host.startswith("made-up-") for host in selectors._local_firms)
