"""Keep the host->firm cache honest whatever changed a firm: a service, the admin, a shell."""

from __future__ import annotations

from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.firms.models import Domain, Firm
from apps.firms.selectors import firm_host_cache_key, firm_host_local_forget


def _forget_hosts(hostnames: list[str]) -> None:
    # This process's copies: now, and again at commit (a thread may have copied the old
    # row meanwhile).
    firm_host_local_forget(hostnames)
    transaction.on_commit(lambda: firm_host_local_forget(hostnames))
    keys = [firm_host_cache_key(name) for name in hostnames]
    if keys:
        # After commit: a reader between the delete and the commit would re-cache old data.
        transaction.on_commit(lambda: caches["public"].delete_many(keys))


@receiver([post_save, post_delete], sender=Domain)
def domain_changed(sender, instance: Domain, **kwargs) -> None:
    _forget_hosts([instance.domain])


@receiver([post_save, post_delete], sender=Firm)
def firm_changed(sender, instance: Firm, **kwargs) -> None:
    _forget_hosts(list(Domain.objects.filter(tenant_id=instance.pk).values_list("domain",
                                                                                 flat=True)))
