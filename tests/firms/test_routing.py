import pytest
from django.core.cache import caches

from apps.firms.models import Domain

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


def test_domain_change_drops_the_cached_route(firm_a, django_capture_on_commit_callbacks,
                                              django_assert_num_queries):
    from apps.firms.selectors import firm_for_host

    client = firm_a.client()
    client.get("/accounts/sign-in/")
    with django_assert_num_queries(0):
        firm_for_host(firm_a.host)

    with django_capture_on_commit_callbacks(execute=True):
        Domain.objects.filter(domain=firm_a.host).get().save()

    with django_assert_num_queries(1):  # read from the database again
        assert firm_for_host(firm_a.host) == firm_a.firm


def test_a_process_reuses_its_routed_firm_and_every_process_sees_a_change(
        firm_a, django_capture_on_commit_callbacks):
    from apps.firms.selectors import FIRM_HOSTS, firm_for_host

    first = firm_for_host(firm_a.host)
    caches["public"].delete(FIRM_HOSTS.entry_key(firm_a.host))  # only the tag is left

    again = firm_for_host(firm_a.host)  # this process's copy, checked against the tag
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

    assert not any("made-up-" in key for key in selectors.FIRM_HOSTS._local)
