"""Changing the sign-in address: a link to the new address confirms it (once, within a
day), the old address is told, and a race for the address is a form error, not a 500.
Mail goes through a real SMTP server (tests/mail.py)."""

from __future__ import annotations

import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.audit.models import AuditAction, AuditEvent
from apps.security import services
from apps.security.models import EmailChangeRequest
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "renamed@alpha.test"


@pytest.fixture
def mail(outbox):
    def send(call, *args, **kwargs):
        with outbox.deliver():
            return call(*args, **kwargs)

    outbox.send = send
    return outbox


def _reauthenticated(world, role):
    client = world.client(role)
    client.post("/accounts/reauth/", {"password": PASSWORD})
    return client


def _link_path(mail, address: str) -> str:
    (message,) = mail.to(address)
    url = re.search(r"https?://\S+/accounts/security/email/confirm/\S+/", mail.body(message))
    return "/" + url.group(0).split("/", 3)[3]


def test_the_new_address_confirms_and_the_old_one_is_told(firm_a, mail):
    user = firm_a.user(Role.MANAGER)
    client = _reauthenticated(firm_a, Role.MANAGER)

    asked = mail.send(client.post, "/accounts/security/email/", {"email": NEW.upper()})

    assert asked.status_code == 302
    assert User.objects.get(pk=user.pk).email == user.email  # nothing changed yet
    assert [m["Subject"] for m in mail.to(user.email)] == [
        "A change of your AdvisorOS email address was requested"]
    link = _link_path(mail, NEW)
    assert link.startswith("/accounts/security/email/confirm/")
    page = client.get(link)  # a mail scanner's GET changes nothing
    assert page.status_code == 200 and NEW in page.content.decode()
    assert User.objects.get(pk=user.pk).email == user.email

    mail.clear()
    confirmed = mail.send(client.post, link)

    assert confirmed.status_code == 302
    assert User.objects.get(pk=user.pk).email == NEW
    (notice,) = mail.messages
    assert notice["To"] == user.email and NEW in mail.body(notice)
    with schema_context(firm_a.firm.schema_name):
        event = AuditEvent.objects.get(action=AuditAction.EMAIL_CHANGED)
    assert event.details == {"before": user.email, "after": NEW}


def test_a_link_works_once(firm_a, mail):
    client = _reauthenticated(firm_a, Role.PARTNER)
    mail.send(client.post, "/accounts/security/email/", {"email": NEW})
    link = _link_path(mail, NEW)
    mail.send(client.post, link)

    again = client.post(link)

    assert again.status_code == 400
    assert "not valid any more" in again.content.decode()


def test_a_newer_request_replaces_the_older_link(firm_a, mail):
    user = firm_a.user(Role.BOOKKEEPER)
    client = _reauthenticated(firm_a, Role.BOOKKEEPER)
    mail.send(client.post, "/accounts/security/email/", {"email": NEW})
    first_link = _link_path(mail, NEW)
    mail.send(client.post, "/accounts/security/email/", {"email": "other@alpha.test"})

    response = client.post(first_link)

    assert response.status_code == 400
    assert User.objects.get(pk=user.pk).email == user.email


def test_an_old_link_has_expired(firm_a, mail, monkeypatch):
    user = firm_a.user(Role.AUDITOR)
    client = _reauthenticated(firm_a, Role.AUDITOR)
    mail.send(client.post, "/accounts/security/email/", {"email": NEW})
    monkeypatch.setattr(services, "EMAIL_CHANGE_LINK_SECONDS", -1)

    response = client.post(_link_path(mail, NEW))

    assert response.status_code == 400
    assert User.objects.get(pk=user.pk).email == user.email


@pytest.mark.parametrize("token", ["sample", "1.x:abc:def", "x" * 500])
def test_forged_links_are_refused(firm_a, token):
    response = firm_a.client(Role.ADMIN).post(f"/accounts/security/email/confirm/{token}/")

    assert response.status_code == 400


def test_someone_elses_link_does_nothing_for_me(firm_a, mail):
    owner = firm_a.user(Role.OWNER)
    mail.send(_reauthenticated(firm_a, Role.OWNER).post, "/accounts/security/email/",
              {"email": NEW})

    response = firm_a.client(Role.ADMIN).post(_link_path(mail, NEW))

    assert response.status_code == 400
    assert User.objects.get(pk=owner.pk).email == owner.email
    assert User.objects.get(pk=firm_a.users[Role.ADMIN].pk).email != NEW


def test_an_address_taken_before_confirming_is_a_form_error(firm_a, mail):
    user = firm_a.user(Role.TAX_PREPARER)
    client = _reauthenticated(firm_a, Role.TAX_PREPARER)
    mail.send(client.post, "/accounts/security/email/", {"email": NEW})
    User.objects.create_user(email=NEW, password=None)

    response = client.post(_link_path(mail, NEW))

    assert response.status_code == 400
    assert f"Another account now uses {NEW}" in response.content.decode()
    assert User.objects.get(pk=user.pk).email == user.email


def test_a_race_for_the_address_at_the_unique_index_is_a_form_error(firm_a, mail):
    """Another transaction inserts the address after our check and commits while our
    update waits on the unique index: Postgres raises IntegrityError, which must come back
    as a field error with nothing changed."""
    user = firm_a.user(Role.STAFF_ACCOUNTANT)
    client = _reauthenticated(firm_a, Role.STAFF_ACCOUNTANT)
    mail.send(client.post, "/accounts/security/email/", {"email": NEW})
    link = _link_path(mail, NEW)
    token = link.rstrip("/").rsplit("/", 1)[1]
    inserted, release = threading.Event(), threading.Event()

    def rival():
        try:
            with transaction.atomic():
                User.objects.create_user(email=NEW, password=None)
                inserted.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=rival)
    thread.start()
    inserted.wait(10)
    # Our check runs now (the rival has not committed: the address looks free); our
    # UPDATE then waits on the rival's row until it commits.
    threading.Timer(1.0, release.set).start()
    try:
        with pytest.raises(ValidationError) as caught:
            services.email_change_confirm(token=token, user=user)
    finally:
        thread.join()
        _delete_committed_user(NEW)

    assert caught.value.message_dict == {"email": [
        f"Another account now uses {NEW}. Ask for the change again with another address."]}
    assert User.objects.get(pk=user.pk).email == user.email
    assert EmailChangeRequest.objects.get(user=user).used_at is None


def _delete_committed_user(email: str) -> None:
    def delete():
        try:
            User.objects.filter(email=email).delete()
        finally:
            connection.close()

    cleaner = threading.Thread(target=delete)
    cleaner.start()
    cleaner.join()
