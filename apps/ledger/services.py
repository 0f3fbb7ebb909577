"""Recording the platform's revenue share. Runs in a firm's schema (a request's after-commit
hook, a worker, or the catch-up batch) and writes the public ledger in the same
transaction as it locks the invoice, because both schemas live in one database.

Exactly once: every entry has a unique event key derived from the state it records:
  commission:<firm>:<invoice>             the invoice was paid
  reversal:<firm>:<invoice>:<cents>       refunds reached <cents> in total
  reversal:<firm>:<invoice>:void          the invoice was voided
so processing the same event twice, out of order, or after a worker died can only find
the entry already there. Amounts of reversals are computed from cumulative targets, so
however refunds are split, a full refund reverses the commission to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from advisoros.tasks import delay_on_commit
from apps.billing.models import Invoice
from apps.billing.money import ZERO, share_of, split_commission
from apps.firms.models import Firm
from apps.ledger.models import RevenueShareEntry
from apps.marketplace.models import MarketplaceEngagement
from apps.portal.selectors import current_firm

Kind = RevenueShareEntry.Kind


def revenue_share_enqueue(*, invoice_id: int) -> None:
    """Queue the recording after the current transaction commits (a paid event)."""
    from apps.billing.tasks import revenue_share_record

    delay_on_commit(revenue_share_record, invoice_id=invoice_id)


def _insert(entry: RevenueShareEntry) -> RevenueShareEntry | None:
    """Insert unless an entry with this event key exists; None when it did."""
    try:
        with transaction.atomic():
            entry.save(force_insert=True)
    except IntegrityError:
        if RevenueShareEntry.objects.filter(event_key=entry.event_key).exists():
            return None
        raise
    return entry


def _commission(invoice: Invoice, firm: Firm) -> RevenueShareEntry:
    key = f"commission:{firm.pk}:{invoice.pk}"
    existing = RevenueShareEntry.objects.filter(event_key=key).first()
    if existing is not None:
        return existing
    engagement = MarketplaceEngagement.objects.only("advisor_id").get(
        pk=invoice.marketplace_engagement_id, firm_id=firm.pk)
    # The rate in force when the invoice was paid (kept on it then), not today's: a
    # catch-up after a rate change books what was agreed. Invoices paid before the rate
    # was kept fall back to the firm's current rate.
    rate = invoice.commission_rate
    if rate is None:
        rate = Firm.objects.values_list("commission_rate", flat=True).get(pk=firm.pk)
    # Commission is on the revenue: the invoice without its tax.
    gross = invoice.total - invoice.tax_total
    fee, payout = split_commission(gross=gross, rate=rate)
    entry = RevenueShareEntry(
        event_key=key, kind=Kind.COMMISSION, firm_id=firm.pk, marketplace_engagement=engagement,
        advisor_id=engagement.advisor_id, invoice_id=invoice.pk, invoice_number=invoice.number,
        currency=invoice.currency, gross_amount=gross, commission_rate=rate, platform_fee=fee,
        advisor_payout=payout)
    _insert(entry)
    return RevenueShareEntry.objects.get(event_key=key)


def _reverse(invoice: Invoice, commission: RevenueShareEntry, firm: Firm
             ) -> RevenueShareEntry | None:
    voided = invoice.status == Invoice.Status.VOID
    if voided:
        target_gross, target_fee = commission.gross_amount, commission.platform_fee
        key = f"reversal:{firm.pk}:{invoice.pk}:void"
    else:
        refunded = invoice.amount_refunded
        target_gross = share_of(refunded, of_total=invoice.total,
                                amount=commission.gross_amount)
        target_fee = share_of(refunded, of_total=invoice.total,
                              amount=commission.platform_fee)
        key = f"reversal:{firm.pk}:{invoice.pk}:{int(refunded * 100)}"
    done = commission.reversals.aggregate(gross=Sum("gross_amount"), fee=Sum("platform_fee"))
    gross = target_gross + (done["gross"] or ZERO)
    fee = target_fee + (done["fee"] or ZERO)
    if gross == 0 and fee == 0:
        return None
    return _insert(RevenueShareEntry(
        event_key=key, kind=Kind.REVERSAL, firm_id=firm.pk,
        marketplace_engagement_id=commission.marketplace_engagement_id,
        advisor_id=commission.advisor_id, invoice_id=invoice.pk, invoice_number=invoice.number,
        currency=commission.currency, gross_amount=-gross,
        commission_rate=commission.commission_rate, platform_fee=-fee,
        advisor_payout=-(gross - fee), reverses=commission))


@transaction.atomic
def revenue_share_record(*, invoice_id: int, skip_locked: bool = False
                         ) -> list[RevenueShareEntry]:
    """Bring the ledger up to date with one invoice of the current firm: its commission
    once it has been paid, and reversals for refunds and a void. Safe to run any number
    of times; returns the entries this call added. With `skip_locked` (the catch-up), an
    invoice that another transaction holds is left alone: that transaction is a payment
    or refund whose own after-commit task follows, or the task itself."""
    firm = current_firm()
    invoice = (Invoice.objects.select_for_update(skip_locked=skip_locked)
               .filter(pk=invoice_id).first())
    if invoice is None or invoice.paid_at is None or not invoice.marketplace_engagement_id:
        return []
    before = set(RevenueShareEntry.objects.filter(firm_id=firm.pk, invoice_id=invoice.pk)
                 .values_list("pk", flat=True))
    commission = _commission(invoice, firm)
    if invoice.amount_refunded > 0 or invoice.status == Invoice.Status.VOID:
        _reverse(invoice, commission, firm)
    return list(RevenueShareEntry.objects.filter(firm_id=firm.pk, invoice_id=invoice.pk)
                .exclude(pk__in=before).order_by("id"))


def invoices_missing_from_ledger(*, limit: int = 1000, changed_after: datetime | None = None,
                                 changed_before: datetime | None = None) -> list[int]:
    """Invoices of the current firm whose ledger entries are not complete: paid ones
    without a commission, refunded or voided ones not fully reversed. One query; with
    `changed_after` it reads only invoices changed since then (an index on the paid
    marketplace invoices' updated_at), not the firm's whole history."""
    firm = current_firm()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.id FROM billing_invoice i
            LEFT JOIN LATERAL (
                SELECT count(*) FILTER (WHERE e.kind = 'commission') AS commissions,
                       COALESCE(sum(e.gross_amount), 0) AS net
                FROM public.ledger_revenueshareentry e
                WHERE e.firm_id = %(firm)s AND e.invoice_id = i.id
            ) l ON true
            WHERE i.marketplace_engagement_id IS NOT NULL AND i.paid_at IS NOT NULL
              AND (%(after)s::timestamptz IS NULL OR i.updated_at >= %(after)s)
              AND (%(before)s::timestamptz IS NULL OR i.updated_at < %(before)s)
              AND (l.commissions = 0
                   OR (i.status = 'void' AND l.net <> 0)
                   OR (i.amount_refunded > 0 AND i.status <> 'void'
                       AND l.net <> (i.total - i.tax_total) - CASE
                           WHEN i.amount_refunded = i.total THEN i.total - i.tax_total
                           ELSE round((i.total - i.tax_total) * i.amount_refunded / i.total, 2)
                       END))
            ORDER BY i.id LIMIT %(limit)s
            """, {"firm": firm.pk, "limit": limit, "after": changed_after,
                  "before": changed_before})
        return [row[0] for row in cursor.fetchall()]


def revenue_share_catch_up(*, limit: int = 1000) -> int:
    """The batch that records whatever the after-commit path missed (a lost message, a
    worker that died before it ran), over the firm's whole history. Returns how many
    entries it added."""
    added = 0
    for invoice_id in invoices_missing_from_ledger(limit=limit):
        added += len(revenue_share_record(invoice_id=invoice_id, skip_locked=True))
    return added


# The minutely catch-up looks at invoices changed in this window: old enough that their
# own after-commit task has had its chance (so the two do not do the work twice), recent
# enough that the query stays small; the hourly full catch-up covers anything older.
RECENT_GRACE_SECONDS = 20
RECENT_WINDOW_SECONDS = 2 * 60 * 60


def revenue_share_catch_up_recent(*, limit: int = 1000, now: datetime | None = None) -> int:
    """Record what the after-commit path missed among invoices changed in the last two
    hours but not the last 20 seconds. Run every minute, it brings a lost commission
    into the ledger within about a minute and a half."""
    now = now or timezone.now()
    added = 0
    for invoice_id in invoices_missing_from_ledger(
            limit=limit, changed_after=now - timedelta(seconds=RECENT_WINDOW_SECONDS),
            changed_before=now - timedelta(seconds=RECENT_GRACE_SECONDS)):
        added += len(revenue_share_record(invoice_id=invoice_id, skip_locked=True))
    return added


@dataclass(frozen=True)
class PayoutsMarked:
    paid: int  # commissions paid (net of their reversals) and clawbacks settled
    refused: int  # commissions fully reversed: nothing is owed, nothing is paid


@transaction.atomic
def payouts_mark_paid(*, entry_ids: list[int], actor) -> PayoutsMarked:
    """Platform staff mark advisor payouts paid.

    A pending commission is paid net of its reversals: its pending reversals are settled
    with it, so nothing is left pending that was already accounted for. A commission that
    refunds or a void reversed in full owes nothing and is refused. A pending reversal of
    a commission that was already paid (a refund after the payout) is a clawback: marking
    it settles it. Anything else selected (a paid entry, an unknown id) is ignored."""
    from django.utils import timezone

    Status = RevenueShareEntry.PayoutStatus
    ids = [i for i in entry_ids if isinstance(i, int) and 0 < i < 2**63]
    selected = list(RevenueShareEntry.objects.select_for_update()
                    .filter(pk__in=ids, payout_status=Status.PENDING).order_by("id"))
    commission_ids = {e.pk for e in selected if e.kind == Kind.COMMISSION}
    commission_ids |= {e.reverses_id for e in selected if e.kind == Kind.REVERSAL}
    commissions = {c.pk: c for c in RevenueShareEntry.objects.select_for_update()
                   .filter(pk__in=commission_ids).order_by("id")}
    reversed_payout = dict(RevenueShareEntry.objects
                           .filter(reverses_id__in=commission_ids).values("reverses_id")
                           .annotate(s=Sum("advisor_payout")).values_list("reverses_id", "s"))
    to_pay: set[int] = set()
    paid = refused = 0
    for entry in selected:
        if entry.kind == Kind.COMMISSION:
            if entry.advisor_payout + (reversed_payout.get(entry.pk) or ZERO) <= 0:
                refused += 1
                continue
            to_pay.add(entry.pk)
            to_pay.update(RevenueShareEntry.objects.filter(
                reverses_id=entry.pk, payout_status=Status.PENDING).values_list("pk", flat=True))
            paid += 1
        elif commissions[entry.reverses_id].payout_status == Status.PAID:
            to_pay.add(entry.pk)
            paid += 1
    if to_pay:
        RevenueShareEntry.objects.filter(pk__in=to_pay, payout_status=Status.PENDING).update(
            payout_status=Status.PAID, paid_out_at=timezone.now(), paid_out_by=actor)
    return PayoutsMarked(paid=paid, refused=refused)


def ledger_net_for_firm(firm_id: int) -> Decimal:
    return (RevenueShareEntry.objects.filter(firm_id=firm_id)
            .aggregate(s=Sum("gross_amount"))["s"] or ZERO)
