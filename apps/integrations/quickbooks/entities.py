"""Which QuickBooks entities we sync, in what order, and how one raw record becomes the
columns the Books tab reads. A record that does not have the shape QuickBooks documents is
refused here with a reason (and skipped by the sync), never half-stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

# Dependency levels: everything in a level may sync in parallel; a level starts when the
# one before it is done (transactions refer to accounts, customers, vendors and items).
LEVELS: tuple[tuple[str, ...], ...] = (
    ("Account",),
    ("Customer", "Vendor", "Item"),
    ("Invoice", "Bill", "Payment", "BillPayment", "Purchase", "Deposit", "JournalEntry"),
)
ENTITIES: tuple[str, ...] = tuple(entity for level in LEVELS for entity in level)
TRANSACTIONS = frozenset(LEVELS[2])
LABELS = {"Account": "Accounts", "Customer": "Customers", "Vendor": "Vendors",
          "Item": "Products and services", "Invoice": "Invoices", "Bill": "Bills",
          "Payment": "Customer payments", "BillPayment": "Bill payments",
          "Purchase": "Expenses", "Deposit": "Deposits", "JournalEntry": "Journal entries"}


class MalformedRecord(ValueError):
    pass


@dataclass(frozen=True)
class RecordRow:
    entity: str
    qbo_id: str
    sync_token: int
    last_updated: datetime | None
    deleted: bool
    name: str = ""
    txn_date: date | None = None
    due_date: date | None = None
    total: Decimal | None = None
    balance: Decimal | None = None
    currency: str = ""
    account_type: str = ""
    data: dict | None = None


def _money(raw: dict, key: str) -> Decimal | None:
    if key not in raw or raw[key] is None:
        return None
    try:
        value = Decimal(str(raw[key]))
    except InvalidOperation as error:
        raise MalformedRecord(f"{key} is not an amount: {raw[key]!r}") from error
    if not value.is_finite() or abs(value) >= Decimal("1e14"):
        raise MalformedRecord(f"{key} is out of range: {raw[key]!r}")
    return value.quantize(Decimal("0.01"))


def _date(raw: dict, key: str) -> date | None:
    if not raw.get(key):
        return None
    try:
        return date.fromisoformat(str(raw[key])[:10])
    except ValueError as error:
        raise MalformedRecord(f"{key} is not a date: {raw[key]!r}") from error


def _updated(raw: dict) -> datetime | None:
    stamp = (raw.get("MetaData") or {}).get("LastUpdatedTime")
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError as error:
        raise MalformedRecord(f"LastUpdatedTime is not a time: {stamp!r}") from error


def record_row(entity: str, raw: object) -> RecordRow:
    if entity not in ENTITIES:
        raise MalformedRecord(f"unknown entity type {entity!r}")
    if not isinstance(raw, dict):
        raise MalformedRecord("record is not an object")
    qbo_id = str(raw.get("Id") or "")
    if not qbo_id or len(qbo_id) > 32:
        raise MalformedRecord("record has no Id")
    if raw.get("status") == "Deleted":
        return RecordRow(entity=entity, qbo_id=qbo_id, sync_token=-1,
                         last_updated=_updated(raw), deleted=True)
    try:
        sync_token = int(raw.get("SyncToken", ""))
    except (TypeError, ValueError) as error:
        raise MalformedRecord(f"{entity} {qbo_id} has no valid SyncToken") from error
    currency = str((raw.get("CurrencyRef") or {}).get("value") or "")[:3]
    return RecordRow(
        entity=entity, qbo_id=qbo_id, sync_token=sync_token, last_updated=_updated(raw),
        deleted=False,
        name=str(raw.get("DisplayName") or raw.get("Name") or raw.get("DocNumber") or "")[:200],
        txn_date=_date(raw, "TxnDate"), due_date=_date(raw, "DueDate"),
        total=_money(raw, "TotalAmt") if entity != "JournalEntry" else _journal_total(raw),
        balance=_money(raw, "CurrentBalance" if entity == "Account" else "Balance"),
        currency=currency, account_type=str(raw.get("AccountType") or "")[:40], data=raw)


def _journal_total(raw: dict) -> Decimal | None:
    lines = raw.get("Line") or []
    if not isinstance(lines, list):
        raise MalformedRecord("JournalEntry lines are not a list")
    debits = [_money(line, "Amount") for line in lines if isinstance(line, dict) and
              (line.get("JournalEntryLineDetail") or {}).get("PostingType") == "Debit"]
    return sum((amount for amount in debits if amount is not None), Decimal("0.00"))
