"""Bench and profile commands refuse bad input with a clear message."""

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["no-slash", "/nul\x00byte"])
def test_profile_requests_wants_a_path(path):
    with pytest.raises(CommandError, match="--path must start with /"):
        call_command("profile_requests", path=path, name="x")


def test_profile_requests_refuses_a_path_that_errors():
    with pytest.raises(CommandError, match="answered 404"):
        call_command("profile_requests", path="/no/such/page/", name="x", requests=1)


@pytest.mark.parametrize("args", [["--scenarios", "nope"], ["--duration-scale", "-1"]])
def test_bench_all_rejects_unknown_scenarios_and_scales(args):
    with pytest.raises(CommandError):
        call_command("bench_all", *args)
