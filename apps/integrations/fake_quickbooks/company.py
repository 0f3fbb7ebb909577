"""A generated QuickBooks Online company: the entities our sync reads, in the shapes the
QuickBooks API returns them (Id and SyncToken as strings, MetaData timestamps, refs as
{"value": id}).

Deterministic for a seed, so tests and benchmarks can name what they expect. The company
changes under the sync like a real one: `update` bumps SyncToken and LastUpdatedTime,
`delete` leaves a tombstone that Change Data Capture reports with `status: Deleted`.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

# Entities in the order a sync needs them (accounts before anything that posts to one).
ENTITIES = ("Account", "Customer", "Vendor", "Item", "Invoice", "Bill", "Payment",
            "BillPayment", "Purchase", "Deposit", "JournalEntry")

_ACCOUNTS = [
    ("Checking", "Bank", "Asset"), ("Savings", "Bank", "Asset"),
    ("Accounts Receivable (A/R)", "Accounts Receivable", "Asset"),
    ("Accounts Payable (A/P)", "Accounts Payable", "Liability"),
    ("Services", "Income", "Revenue"), ("Product sales", "Income", "Revenue"),
    ("Rent", "Expense", "Expense"), ("Payroll", "Expense", "Expense"),
    ("Software subscriptions", "Expense", "Expense"), ("Cost of goods sold",
                                                       "Cost of Goods Sold", "Expense"),
]


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class Company:
    realm_id: str
    home_currency: str = "USD"
    records: dict[str, dict[str, dict]] = field(default_factory=dict)
    # Tombstones: entity -> id -> deleted-at; CDC reports them, queries do not.
    deleted: dict[str, dict[str, datetime]] = field(default_factory=dict)
    _next_id: int = 1
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for entity in ENTITIES:
            self.records.setdefault(entity, {})
            self.deleted.setdefault(entity, {})

    def add(self, entity: str, body: dict, *, at: datetime | None = None) -> dict:
        with self._lock:
            record_id = str(self._next_id)
            self._next_id += 1
            moment = at or datetime.now(UTC)
            record = {**body, "Id": record_id, "SyncToken": "0",
                      "MetaData": {"CreateTime": _stamp(moment),
                                   "LastUpdatedTime": _stamp(moment)}}
            self.records[entity][record_id] = record
            return record

    def update(self, entity: str, record_id: str, changes: dict) -> dict:
        with self._lock:
            record = self.records[entity][record_id]
            record.update(changes)
            record["SyncToken"] = str(int(record["SyncToken"]) + 1)
            record["MetaData"]["LastUpdatedTime"] = _stamp(datetime.now(UTC))
            return record

    def delete(self, entity: str, record_id: str) -> None:
        with self._lock:
            self.records[entity].pop(record_id)
            self.deleted[entity][record_id] = datetime.now(UTC)

    def changed_since(self, entity: str, since: datetime) -> list[dict]:
        stamp = _stamp(since)
        changed = [r for r in self.records[entity].values()
                   if r["MetaData"]["LastUpdatedTime"] >= stamp]
        tombstones = [{"Id": record_id, "status": "Deleted",
                       "MetaData": {"LastUpdatedTime": _stamp(moment)}}
                      for record_id, moment in self.deleted[entity].items() if moment >= since]
        return sorted(changed + tombstones, key=lambda r: r["MetaData"]["LastUpdatedTime"])


def generate_company(realm_id: str, *, transactions: int = 600, seed: int = 7,
                     months: int = 18) -> Company:
    """A small business with `transactions` dated over the last `months` months: seasonal
    sales, steady rent and payroll, some open invoices and bills."""
    rng = random.Random(seed)
    company = Company(realm_id=realm_id)
    created = datetime.now(UTC) - timedelta(days=months * 31 + 5)
    accounts = {}
    for name, account_type, classification in _ACCOUNTS:
        balance = round(rng.uniform(5_000, 80_000), 2) if account_type == "Bank" else 0
        accounts[name] = company.add("Account", {
            "Name": name, "AccountType": account_type, "Classification": classification,
            "CurrentBalance": balance, "Active": True,
            "CurrencyRef": {"value": "USD"}}, at=created)["Id"]
    customers = [company.add("Customer", {
        "DisplayName": f"Customer {n:03d}", "Balance": 0, "Active": True,
        "CurrencyRef": {"value": "USD"}}, at=created)["Id"] for n in range(1, 41)]
    vendors = [company.add("Vendor", {
        "DisplayName": name, "Balance": 0, "Active": True,
        "CurrencyRef": {"value": "USD"}}, at=created)["Id"]
        for name in ("Landlord LLC", "Payroll Co", "Cloud Tools", "Office Supply",
                     "Freight Partners", "Insurance Mutual")]
    items = [company.add("Item", {"Name": name, "Type": "Service", "UnitPrice": price,
                                  "IncomeAccountRef": {"value": accounts["Services"]}},
                         at=created)["Id"]
             for name, price in (("Monthly bookkeeping", 450), ("Advisory hour", 175),
                                 ("Implementation", 2_500))]
    today = date.today()
    start = today - timedelta(days=months * 30)
    kinds = ("Invoice", "Invoice", "Invoice", "Bill", "Purchase", "Purchase", "Payment",
             "BillPayment", "Deposit", "JournalEntry")
    for n in range(transactions):
        kind = kinds[n % len(kinds)]
        day = start + timedelta(days=rng.randrange((today - start).days + 1))
        season = 1.0 + 0.35 * ((day.month % 12) in (10, 11, 0, 1))
        amount = round(rng.uniform(200, 4_000) * season, 2)
        body: dict = {"TxnDate": day.isoformat(), "TotalAmt": amount,
                      "CurrencyRef": {"value": "USD"}}
        if kind == "Invoice":
            open_ = (today - day).days < 45 and rng.random() < 0.7
            body.update({"CustomerRef": {"value": rng.choice(customers)},
                         "DueDate": (day + timedelta(days=30)).isoformat(),
                         "Balance": amount if open_ else 0,
                         "Line": [{"Amount": amount, "DetailType": "SalesItemLineDetail",
                                   "SalesItemLineDetail": {"ItemRef": {
                                       "value": rng.choice(items)}}}]})
        elif kind == "Bill":
            open_ = (today - day).days < 30 and rng.random() < 0.6
            body.update({"VendorRef": {"value": rng.choice(vendors)},
                         "DueDate": (day + timedelta(days=30)).isoformat(),
                         "Balance": amount if open_ else 0,
                         "Line": [{"Amount": amount, "DetailType":
                                   "AccountBasedExpenseLineDetail",
                                   "AccountBasedExpenseLineDetail": {"AccountRef": {
                                       "value": accounts[rng.choice(["Rent", "Payroll"])]}}}]})
        elif kind == "Purchase":
            body.update({"PaymentType": "Cash",
                         "AccountRef": {"value": accounts["Checking"]},
                         "Line": [{"Amount": amount, "DetailType":
                                   "AccountBasedExpenseLineDetail",
                                   "AccountBasedExpenseLineDetail": {"AccountRef": {
                                       "value": accounts["Software subscriptions"]}}}]})
        elif kind == "Payment":
            body["CustomerRef"] = {"value": rng.choice(customers)}
        elif kind == "BillPayment":
            body["VendorRef"] = {"value": rng.choice(vendors)}
        elif kind == "Deposit":
            body["DepositToAccountRef"] = {"value": accounts["Checking"]}
        else:
            body = {"TxnDate": day.isoformat(), "CurrencyRef": {"value": "USD"}, "Line": [
                {"Amount": amount, "DetailType": "JournalEntryLineDetail",
                 "JournalEntryLineDetail": {"PostingType": "Debit",
                                            "AccountRef": {"value": accounts["Payroll"]}}},
                {"Amount": amount, "DetailType": "JournalEntryLineDetail",
                 "JournalEntryLineDetail": {"PostingType": "Credit",
                                            "AccountRef": {"value": accounts["Checking"]}}}]}
        company.add(kind, body, at=created)
    return company
