"""Rows shown in the portal's cached sections, and the cached lists of who was given which
client, go stale however they change (services, admin edits, deletes)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_init, post_save
from django.dispatch import receiver

from apps.billing.models import Invoice
from apps.documents.models import Document
from apps.portal.content_cache import DOCUMENTS, INVOICES, TASKS, client_content_changed
from apps.portal.models import Client, ClientAccess, Engagement, Task
from apps.portal.selectors import portal_access_changed


@receiver([post_save, post_delete], sender=Client)
def _client_changed(sender, instance: Client, **kwargs) -> None:
    client_content_changed(instance.pk)
    # Its name or its deletion changes the client lists of the users given it.
    portal_access_changed(ClientAccess.objects.filter(client_id=instance.pk)
                          .values_list("user_id", flat=True))


# A row moved to another user or client (the admin allows it) must stale the caches of
# the owner it had when loaded as well as the new one: remember it at load time.
_LOADED_OWNER = "_portal_cache_loaded_owner"


def _owner_fields(sender) -> tuple[str, ...]:
    return ("user_id", "client_id") if sender is ClientAccess else ("client_id",)


@receiver(post_init, sender=ClientAccess)
@receiver(post_init, sender=Document)
@receiver(post_init, sender=Task)
@receiver(post_init, sender=Engagement)
@receiver(post_init, sender=Invoice)
def _remember_owner(sender, instance, **kwargs) -> None:
    # __dict__, not getattr: a deferred field must not cost a query here.
    instance.__dict__[_LOADED_OWNER] = tuple(instance.__dict__.get(name)
                                             for name in _owner_fields(sender))


def _owners(sender, instance, name: str) -> set[int]:
    index = _owner_fields(sender).index(name)
    loaded = instance.__dict__.get(_LOADED_OWNER, ())
    before = loaded[index] if len(loaded) > index else None
    return {owner for owner in (before, getattr(instance, name)) if owner is not None}


@receiver([post_save, post_delete], sender=ClientAccess)
def _access_changed(sender, instance: ClientAccess, **kwargs) -> None:
    portal_access_changed(_owners(sender, instance, "user_id"))


# Task rows show their engagement's type, hence engagements under "tasks".
_KIND_OF = {Document: DOCUMENTS, Task: TASKS, Engagement: TASKS, Invoice: INVOICES}


@receiver([post_save, post_delete], sender=Document)
@receiver([post_save, post_delete], sender=Task)
@receiver([post_save, post_delete], sender=Engagement)
@receiver([post_save, post_delete], sender=Invoice)
def _client_row_changed(sender, instance, **kwargs) -> None:
    for client_id in _owners(sender, instance, "client_id"):
        client_content_changed(client_id, kinds=(_KIND_OF[sender],))
