"""Rows shown in the portal's cached sections, and the cached lists of who was given which
client, go stale however they change (services, admin edits, deletes)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
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


@receiver([post_save, post_delete], sender=ClientAccess)
def _access_changed(sender, instance: ClientAccess, **kwargs) -> None:
    portal_access_changed([instance.user_id])


# Task rows show their engagement's type, hence engagements under "tasks".
_KIND_OF = {Document: DOCUMENTS, Task: TASKS, Engagement: TASKS, Invoice: INVOICES}


@receiver([post_save, post_delete], sender=Document)
@receiver([post_save, post_delete], sender=Task)
@receiver([post_save, post_delete], sender=Engagement)
@receiver([post_save, post_delete], sender=Invoice)
def _client_row_changed(sender, instance, **kwargs) -> None:
    client_content_changed(instance.client_id, kinds=(_KIND_OF[sender],))
