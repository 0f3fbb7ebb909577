import pytest
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import user_create
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PRODUCTION_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


def test_new_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS

    user = user_create(email="argon@alpha.test", password="a-long-unusual-passphrase")

    assert user.password.startswith("argon2$argon2id$")


def test_an_old_pbkdf2_hash_is_upgraded_at_sign_in(firm_a, settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    user = firm_a.user(Role.ADVISOR)
    User.objects.filter(pk=user.pk).update(
        password=make_password(PASSWORD, hasher="pbkdf2_sha256"))

    response = firm_a.client().post("/accounts/sign-in/", {"username": user.email,
                                                           "password": PASSWORD})

    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).password.startswith("argon2$")


@pytest.mark.parametrize(("password", "message"), [
    ("short-pass", "at least 12 characters"),
    ("password12345", "too common"),
    ("384756192837465", "entirely numeric"),
])
def test_password_rules(password, message):
    with pytest.raises(ValidationError) as excinfo:
        user_create(email="rules@alpha.test", password=password)

    assert message in " ".join(excinfo.value.message_dict["password"])
    assert not User.objects.filter(email="rules@alpha.test").exists()
