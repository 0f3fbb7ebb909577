"""Keep the host->firm cache honest whatever changed a firm: a service, the admin, a shell.
The hosts' tags are bumped inside the writing transaction and again after it commits
(advisoros/cache_tags.py), which reaches every web process's local copy too."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.firms.models import Domain, Firm
from apps.firms.selectors import firm_hosts_changed


@receiver([post_save, post_delete], sender=Domain)
def domain_changed(sender, instance: Domain, **kwargs) -> None:
    firm_hosts_changed([instance.domain])


@receiver([post_save, post_delete], sender=Firm)
def firm_changed(sender, instance: Firm, **kwargs) -> None:
    firm_hosts_changed(list(Domain.objects.filter(tenant_id=instance.pk)
                            .values_list("domain", flat=True)))
