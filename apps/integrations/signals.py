"""Where webhook events come from: saves of clients, invoices, payments and documents.

Events are stored after the writing transaction commits (webhooks.webhook_event_emit).
Document processing writes its outcome with a fenced UPDATE, which sends no signal, so
processed documents are announced by `document_events_scan` (beat, every minute) from
their `processed_at`: the event goes out only once processing has finished, with the
classification, whichever path finished it.
"""

from __future__ import annotations

from django.db import connection
from django.db.models.signals import post_save
from django.dispatch import receiver

from apps.billing.models import Invoice, Payment
from apps.integrations.webhooks import webhook_event_emit
from apps.portal.models import Client

_INVOICE_EVENTS = {Invoice.Status.SENT: "invoice.sent", Invoice.Status.PAID: "invoice.paid",
                   Invoice.Status.VOID: "invoice.voided"}


def _in_firm() -> bool:
    return getattr(connection, "schema_name", "public") != "public"


@receiver(post_save, sender=Client, dispatch_uid="integrations.client_event")
def client_event(sender, instance: Client, created: bool, **kwargs) -> None:
    if not _in_firm():
        return
    kind = ("client.created" if created else
            "client.deleted" if instance.deleted_at else "client.updated")
    webhook_event_emit(
        type=kind, resource_type="client", resource_id=instance.pk,
        dedupe_key=f"{kind}:{instance.pk}:{instance.updated_at.isoformat()}",
        data={"id": instance.pk, "business_name": instance.business_name,
              "status": instance.status, "industry": instance.industry,
              "archived": instance.deleted_at is not None})


@receiver(post_save, sender=Invoice, dispatch_uid="integrations.invoice_event")
def invoice_event(sender, instance: Invoice, created: bool, update_fields=None, **kwargs) -> None:
    if not _in_firm() or instance.status not in _INVOICE_EVENTS:
        return
    if update_fields is not None and "status" not in update_fields:
        return
    kind = _INVOICE_EVENTS[instance.status]
    webhook_event_emit(
        type=kind, resource_type="invoice", resource_id=instance.pk,
        dedupe_key=f"{kind}:{instance.pk}:{instance.updated_at.isoformat()}",
        data={"id": instance.pk, "number": instance.number, "client_id": instance.client_id,
              "status": instance.status, "currency": instance.currency,
              "total": str(instance.total), "balance": str(instance.balance),
              "due_date": instance.due_date.isoformat()})


@receiver(post_save, sender=Payment, dispatch_uid="integrations.payment_event")
def payment_event(sender, instance: Payment, created: bool, **kwargs) -> None:
    if not _in_firm() or not created:
        return
    webhook_event_emit(
        type="payment.created", resource_type="payment", resource_id=instance.pk,
        dedupe_key=f"payment.created:{instance.pk}",
        data={"id": instance.pk, "invoice_id": instance.invoice_id,
              "amount": str(instance.amount), "method": instance.method,
              "received_on": instance.received_on.isoformat()})


def _connect_document_deleted() -> None:
    from apps.documents.models import Document

    @receiver(post_save, sender=Document, dispatch_uid="integrations.document_deleted",
              weak=False)
    def document_deleted(sender, instance, created: bool, update_fields=None, **kwargs):
        if not _in_firm() or instance.deleted_at is None:
            return
        if update_fields is not None and "deleted_at" not in update_fields:
            return
        webhook_event_emit(
            type="document.deleted", resource_type="document", resource_id=instance.pk,
            dedupe_key=f"document.deleted:{instance.pk}",
            data={"id": instance.pk, "client_id": instance.client_id,
                  "file_name": instance.file_name})


_connect_document_deleted()


def _connect_work_and_messages() -> None:
    from apps.people.models import Message
    from apps.work.models import Job

    @receiver(post_save, sender=Job, dispatch_uid="integrations.job_stage", weak=False)
    def job_stage_changed(sender, instance, created: bool, update_fields=None, **kwargs):
        if not _in_firm() or created or update_fields is None or "stage" not in update_fields:
            return
        webhook_event_emit(
            type="job.stage_changed", resource_type="job", resource_id=instance.pk,
            dedupe_key=f"job.stage_changed:{instance.pk}:{instance.stage_entered_at.isoformat()}",
            data={"id": instance.pk, "name": instance.name, "client_id": instance.client_id,
                  "stage": instance.stage.name, "status": instance.status,
                  "due_date": instance.due_date.isoformat()})

    @receiver(post_save, sender=Message, dispatch_uid="integrations.message", weak=False)
    def message_created(sender, instance, created: bool, **kwargs):
        if not _in_firm() or not created:
            return
        # The text stays in AdvisorOS (it can be sensitive): integrators learn that a
        # message arrived, in which thread, for which client, from which side.
        webhook_event_emit(
            type="message.created", resource_type="message", resource_id=instance.pk,
            dedupe_key=f"message.created:{instance.pk}",
            data={"id": instance.pk, "thread_id": instance.thread_id,
                  "client_id": instance.thread.client_id,
                  "from": "firm" if instance.from_firm else "client"})


_connect_work_and_messages()
