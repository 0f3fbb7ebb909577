"""The one trigger we cannot be called for: a client's upload fulfils a document request
item inside the documents app. When an item becomes fulfilled, check (after commit, in a
task) whether the whole request is complete and tell the job that asked for it."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from advisoros.tasks import delay_on_commit
from apps.documents.models import DocumentRequestItem


@receiver(post_save, sender=DocumentRequestItem, dispatch_uid="work_documents_received")
def _request_item_saved(sender, instance: DocumentRequestItem, created: bool,
                        update_fields=None, **kwargs) -> None:
    if instance.fulfilled_at is None:
        return
    if update_fields is not None and "fulfilled_at" not in update_fields:
        return
    from apps.work.tasks import documents_received

    request_id = instance.request_id
    delay_on_commit(documents_received, document_request_id=request_id)


@receiver(post_save, sender="portal.Client", dispatch_uid="work_client_onboarding")
def _client_created(sender, instance, created: bool, **kwargs) -> None:
    """A new client starts the firm's onboarding workflow (templates marked "start for
    new clients"), after commit and in a task, so creating a client stays fast."""
    if not created:
        return
    from apps.work.tasks import onboarding_start

    client_id = instance.pk
    delay_on_commit(onboarding_start, client_id=client_id)
