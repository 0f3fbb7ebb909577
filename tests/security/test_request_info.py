import logging

import pytest
from django.test import RequestFactory

from advisoros.request_info import client_ip, network_of
from apps.security.fields import Sensitive


@pytest.mark.parametrize(("proxies", "remote", "forwarded", "expected"), [
    (0, "10.0.0.5", "203.0.113.9", "10.0.0.5"),  # no trusted proxy: the header is ignored
    (1, "10.0.0.5", "198.51.100.1, 203.0.113.9", "203.0.113.9"),
    (2, "10.0.0.5", "198.51.100.1, 203.0.113.9", "198.51.100.1"),
    (1, "10.0.0.5", "not-an-ip", None),
    (0, "garbage\x00", "", None),
])
def test_client_address_trusts_only_configured_proxies(settings, proxies, remote, forwarded,
                                                       expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


def test_networks_for_risk_scoring():
    assert network_of("203.0.113.77") == "203.0.113.0/24"
    assert network_of("2001:db8:abcd:12::1") == "2001:db8:abcd::/48"
    assert network_of(None) == ""


def test_sensitive_values_are_masked_in_log_lines(caplog):
    value = Sensitive("123-45-6789", "ssn")

    with caplog.at_level(logging.INFO):
        logging.getLogger("advisoros.test").info("client ssn is %s (%r)", value, value)

    assert "123-45-6789" not in caplog.text
    assert "***-**-6789" in caplog.text
