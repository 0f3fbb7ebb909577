"""Structured logs: JSON with request id, firm and user id, and no secrets."""

import json
import logging

import pytest

from apps.accounts.roles import Role
from apps.observability import context
from apps.observability.context import WorkStats
from apps.observability.jsonlog import JsonFormatter

pytestmark = pytest.mark.django_db


def _format(record_args: dict, stats: WorkStats | None = None) -> dict:
    record = logging.LogRecord("advisoros.test", logging.INFO, __file__, 1, "hello %s",
                               ("world",), None)
    for key, value in record_args.items():
        setattr(record, key, value)
    token = context.begin(stats) if stats else None
    try:
        return json.loads(JsonFormatter().format(record))
    finally:
        if token:
            context.end(token)


def test_a_line_outside_a_request_is_plain_json():
    line = _format({})

    assert line["message"] == "hello world"
    assert line["level"] == "INFO"
    assert "request_id" not in line


def test_a_line_inside_a_request_carries_its_id_and_firm():
    line = _format({"rows": 3}, WorkStats(request_id="abc123def456", firm="alpha-cpa"))

    assert line["request_id"] == "abc123def456"
    assert line["firm"] == "alpha-cpa"
    assert line["rows"] == 3
    assert "user_id" not in line


@pytest.mark.parametrize("field", ["password", "api_key", "Authorization", "session_key",
                                   "ssn", "tax_id", "csrf_token", "bank_account"])
def test_sensitive_extra_fields_are_redacted(field):
    line = _format({field: "do-not-log-me", "nested": {field: "nor-me"}})

    assert "do-not-log-me" not in json.dumps(line)
    assert "nor-me" not in json.dumps(line)


def test_the_request_object_itself_is_never_dumped():
    class FakeRequest:
        def __repr__(self):
            return "<WSGIRequest: GET '/reset/?token=leak'>"

    line = _format({"request": FakeRequest()})

    assert "leak" not in json.dumps(line)


def test_logs_during_a_signed_in_request_carry_the_user_id(firm_a, settings):
    settings.OBSERVABILITY_ACCESS_LOG = True  # read when the test client builds its stack
    lines = []

    class Capture(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(JsonFormatter().format(record)))

    handler = Capture()
    logging.getLogger("advisoros.request").addHandler(handler)
    try:
        response = firm_a.client(Role.OWNER).get("/")
    finally:
        logging.getLogger("advisoros.request").removeHandler(handler)

    [line] = lines
    assert line["request_id"] == response["X-Request-ID"]
    assert line["firm"] == "alpha-cpa"
    assert line["user_id"] == firm_a.user(Role.OWNER).pk
    assert line["route"] == "/"
    assert line["status"] == 200
    assert "cookie" not in json.dumps(line).lower()
