import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_exists

from apps.accounts.models import Membership
from apps.accounts.roles import Role
from apps.accounts.services import user_create
from apps.firms.models import Domain, Firm
from apps.firms.services import firm_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return user_create(email="founder@new-firm.test", password="x" * 16, validate=False)


def _tables_in(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                       [schema])
        return {row[0] for row in cursor.fetchall()}


def test_firm_create_makes_schema_domain_and_owner(owner):
    created = firm_create(name="  Gamma Advisory  ", slug="gamma-advisory", owner=owner)

    firm = Firm.objects.get(slug="gamma-advisory")
    assert firm.name == "Gamma Advisory"
    assert firm.schema_name == "firm_gamma_advisory"
    assert firm.schema_ready is True
    assert schema_exists("firm_gamma_advisory")
    assert {"django_migrations", "django_content_type"} <= _tables_in("firm_gamma_advisory")
    assert _tables_in("firm_gamma_advisory") == _tables_in("firm_template")
    assert created.domain.domain == "gamma-advisory.localhost"
    assert Domain.objects.get(tenant=firm).is_primary is True
    membership = Membership.objects.get(firm=firm)
    assert (membership.user, membership.role) == (owner, Role.OWNER)
    assert connection.schema_name == "public"


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("Upper-Case", "lowercase"),
        ("-leading", "hyphen"),
        ("has space", "lowercase"),
        ("x" * 49, "1-48"),
        ("www", "reserved"),
        ("admin", "reserved"),
        ("", "lowercase"),
    ],
)
def test_firm_create_rejects_bad_slugs_and_creates_nothing(owner, slug, message):
    before = set(Firm.objects.values_list("schema_name", flat=True))

    with pytest.raises(ValidationError) as excinfo:
        firm_create(name="Bad", slug=slug, owner=owner)

    assert message in " ".join(excinfo.value.message_dict["slug"])
    assert set(Firm.objects.values_list("schema_name", flat=True)) == before


def test_firm_create_refuses_a_taken_slug(owner, firm_a):
    with pytest.raises(ValidationError) as excinfo:
        firm_create(name="Copy", slug=firm_a.firm.slug, owner=owner)

    assert "already exists" in excinfo.value.message_dict["slug"][0]
    assert Firm.objects.filter(slug=firm_a.firm.slug).count() == 1


def test_firm_create_needs_a_name(owner):
    with pytest.raises(ValidationError) as excinfo:
        firm_create(name="   ", slug="nameless", owner=owner)

    assert excinfo.value.message_dict == {"name": ["A firm needs a name."]}
    assert not Firm.objects.filter(slug="nameless").exists()
    assert not schema_exists("firm_nameless")
