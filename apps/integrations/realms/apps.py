from django.apps import AppConfig


class RealmsConfig(AppConfig):
    """The public-schema half of the integrations: which firm holds which QuickBooks
    company, so an incoming QuickBooks webhook (one URL for the whole platform) reaches the
    right firm schemas."""

    name = "apps.integrations.realms"
    label = "integrations_realms"
    verbose_name = "QuickBooks companies by firm"
