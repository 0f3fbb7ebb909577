"""A generated question set with known answers, written apart from the retrieval code.

Each generated document (W-2, lease, bank statement, invoice, engagement letter; some with
a cover page, so the answer sits on page 2) carries facts drawn at random; each question
names the document's subject in other words and the known answer is that document and
page. Seeded, so the set is the same every run; split into halves by question number.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

CITIES = ["Columbus", "Denver", "Tucson", "Raleigh", "Boise", "Spokane", "Omaha", "Albany"]
VENDORS = ["Acme Flour Co", "Blue Ridge Packaging", "Northwind Paper", "Summit Electric",
           "Harbor Freight Lines", "Keystone Plumbing"]
BANKS = ["First Prairie Bank", "Lakeside Credit Union", "Granite Savings"]
EMPLOYERS = ["Riverbend Bakery Inc", "Cobalt Robotics LLC", "Juniper Dental PC",
             "Foxglove Studio LLC"]


@dataclass(frozen=True)
class Generated:
    key: str
    file_name: str
    text: str  # pages separated by form feeds
    fields: dict


@dataclass(frozen=True)
class Question:
    number: int
    text: str
    document_key: str
    page: int


def _money(rng: random.Random) -> str:
    return f"{rng.randint(1_000, 99_999):,}.{rng.randint(0, 99):02d}"


def _cover(rng: random.Random) -> str:
    return ("Transmittal cover sheet. Please find the enclosed records for your file. "
            f"Prepared in {rng.choice(CITIES)} for the annual engagement.")


def generate(count: int = 60, seed: int = 18) -> tuple[list[Generated], list[Question]]:
    rng = random.Random(seed)
    documents: list[Generated] = []
    questions: list[Question] = []
    for n in range(count):
        kind = n % 5
        key = f"doc{n}"
        cover = rng.random() < 0.4
        year = rng.choice([2022, 2023, 2024])
        if kind == 0:
            wages, employer = _money(rng), rng.choice(EMPLOYERS)
            body = (f"Form W-2 Wage and Tax Statement {year}. Employer {employer}. "
                    f"Wages, tips, other compensation {wages}. Federal income tax withheld "
                    f"{_money(rng)}.")
            fields = {"wages": {"value": wages.replace(",", ""), "confidence": 0.95}}
            asked = f"How much salary did {employer} pay in {year}?"
        elif kind == 1:
            city, rent = rng.choice(CITIES), _money(rng)
            body = (f"Commercial lease agreement for the premises at 12 Main Street, {city}. "
                    f"Monthly rent {rent}. The term renews on January 1, {year + 3} unless "
                    "either party gives notice.")
            fields = {}
            asked = f"When does the {city} lease renew?"
        elif kind == 2:
            bank, balance = rng.choice(BANKS), _money(rng)
            body = (f"{bank} account statement, period ending March 31, {year}. "
                    f"Beginning balance {_money(rng)}. Ending balance {balance}.")
            fields = {"ending_balance": {"value": balance.replace(",", ""),
                                         "confidence": 0.95}}
            asked = f"What was the closing balance at {bank} in March {year}?"
        elif kind == 3:
            vendor, total = rng.choice(VENDORS), _money(rng)
            number = rng.randint(1000, 9999)
            body = (f"Invoice number {number} from {vendor}. Amount due {total}. "
                    f"Payment terms net 30.")
            fields = {"total": {"value": total.replace(",", ""), "confidence": 0.95}}
            asked = f"How much do we owe {vendor} on bill {number}?"
        else:
            fee = _money(rng)
            body = (f"Engagement letter for tax year {year}. Our fee for preparing the "
                    f"federal and state returns is {fee}, billed on completion.")
            fields = {}
            asked = f"What fee did we agree for the {year} tax return preparation?"
        text = f"{_cover(rng)}\f{body}" if cover else body
        documents.append(Generated(key=key, file_name=f"{key}.pdf", text=text, fields=fields))
        questions.append(Question(number=n, text=asked, document_key=key,
                                  page=2 if cover else 1))
    return documents, questions


def held_out_half(questions: list[Question]) -> list[Question]:
    return [q for q in questions if q.number % 2 == 1]
