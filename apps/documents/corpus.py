"""A generated, labelled corpus: realistic W-2, 1099-NEC/INT/DIV, 1098, invoice, receipt
and bank statement documents as text PDFs (reportlab) and as noisy scans (Pillow: rotation,
speckle, blur, JPEG artefacts), each with the truth of its type and key fields.

Layouts, names, wording and amounts vary with a seeded random generator, so a run is
reproducible and the extraction is not tested on one template.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from decimal import Decimal

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from apps.documents.models import DocType

COMPANIES = ["Acme Widgets Inc", "Northwind Traders LLC", "Blue Ridge Dental PC",
             "Harbor Freight Logistics", "Summit Roofing Co", "Cedar Lane Bakery",
             "Pioneer Software Corp", "Lakeside Veterinary Clinic", "Granite State Bank",
             "Riverbend Credit Union", "Maple Street Hardware", "Golden Gate Consulting"]
PEOPLE = ["Maria Lopez", "James Chen", "Aisha Patel", "Robert Miller", "Emily Novak",
          "David Kim", "Sofia Rossi", "Daniel O'Brien"]
STORES = ["Corner Market", "Office Depot #412", "Shell Station 88", "Blue Bottle Coffee",
          "Home Supply Center", "City Parking Garage"]


@dataclass
class Sample:
    doc_type: str
    lines: list[str]
    truth: dict[str, str | int] = field(default_factory=dict)


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return (Decimal(rng.randint(low * 100, high * 100)) / 100).quantize(Decimal("0.01"))


def _fmt(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _ein(rng: random.Random) -> str:
    return f"{rng.randint(10, 98)}-{rng.randint(1000000, 9999999)}"


def _w2(rng: random.Random) -> Sample:
    year, ein, wages = rng.randint(2021, 2025), _ein(rng), _money(rng, 18000, 240000)
    withheld = (wages * Decimal("0.14")).quantize(Decimal("0.01"))
    title = rng.choice([f"Form W-2 Wage and Tax Statement {year}",
                        f"W-2 Wage and Tax Statement {year}",
                        f"{year} Form W-2 - Wage and Tax Statement"])
    lines = [title, f"b Employer identification number (EIN) {ein}",
             f"c Employer's name, address, and ZIP code {rng.choice(COMPANIES)}",
             f"e Employee's first name and initial, last name {rng.choice(PEOPLE)}",
             f"1 Wages, tips, other compensation {_fmt(wages)}",
             f"2 Federal income tax withheld {_fmt(withheld)}",
             f"3 Social security wages {_fmt(wages)}",
             f"5 Medicare wages and tips {_fmt(wages)}", "Copy B - To Be Filed With "
             "Employee's FEDERAL Tax Return"]
    return Sample(DocType.W2, lines, {"wages": str(wages), "employer_ein": ein,
                                      "tax_year": year})


def _1099(rng: random.Random, doc_type: str) -> Sample:
    year, tin = rng.randint(2021, 2025), _ein(rng)
    amount = _money(rng, 50, 90000)
    title, label, key = {
        DocType.F1099_NEC: ("Form 1099-NEC Nonemployee Compensation",
                            "1 Nonemployee compensation", "nonemployee_compensation"),
        DocType.F1099_INT: ("Form 1099-INT Interest Income", "1 Interest income",
                            "interest_income"),
        DocType.F1099_DIV: ("Form 1099-DIV Dividends and Distributions",
                            "1a Total ordinary dividends", "ordinary_dividends"),
    }[doc_type]
    lines = [f"{title} {year}", f"PAYER'S name {rng.choice(COMPANIES)}",
             f"PAYER'S TIN {tin}", f"RECIPIENT'S name {rng.choice(PEOPLE)}",
             f"{label} $ {_fmt(amount)}", "4 Federal income tax withheld $ 0.00",
             f"For calendar year {year}", "Copy B For Recipient"]
    rng.shuffle(lines[1:4])
    return Sample(doc_type, lines, {key: str(amount), "payer_tin": tin, "tax_year": year})


def _1098(rng: random.Random) -> Sample:
    year, interest = rng.randint(2021, 2025), _money(rng, 800, 40000)
    lines = [f"Form 1098 Mortgage Interest Statement {year}",
             f"RECIPIENT'S/LENDER'S name {rng.choice(COMPANIES)}",
             f"RECIPIENT'S TIN {_ein(rng)}", f"PAYER'S/BORROWER'S name {rng.choice(PEOPLE)}",
             f"1 Mortgage interest received from payer(s)/borrower(s) $ {_fmt(interest)}",
             f"2 Outstanding mortgage principal $ {_fmt(_money(rng, 90000, 900000))}",
             f"3 Mortgage origination date 0{rng.randint(1, 9)}/1{rng.randint(0, 9)}/2015"]
    return Sample(DocType.F1098, lines, {"mortgage_interest": str(interest),
                                         "tax_year": year})


def _invoice(rng: random.Random) -> Sample:
    vendor, number = rng.choice(COMPANIES), f"INV-{rng.randint(1000, 99999)}"
    month, day, year = rng.randint(1, 12), rng.randint(1, 28), rng.randint(2022, 2025)
    items = [(rng.choice(["Consulting hours", "Printer paper", "Software licence",
                          "Repair service", "Cleaning supplies"]), _money(rng, 20, 4000))
             for _ in range(rng.randint(1, 4))]
    total = sum((amount for _, amount in items), Decimal("0"))
    lines = [vendor, rng.choice(["INVOICE", "Invoice", "TAX INVOICE"]),
             f"Invoice Number: {number}", f"Invoice Date: {month:02d}/{day:02d}/{year}",
             f"Bill To: {rng.choice(PEOPLE)}", "Description Amount"]
    lines += [f"{name} {_fmt(amount)}" for name, amount in items]
    lines += [f"Amount Due: ${_fmt(total)}", "Payment terms: Net 30"]
    return Sample(DocType.INVOICE, lines, {"total": str(total), "invoice_number": number})


def _receipt(rng: random.Random) -> Sample:
    store = rng.choice(STORES)
    items = [(rng.choice(["Coffee", "Paper towels", "Fuel", "Parking", "Toner", "Lunch"]),
              _money(rng, 2, 150)) for _ in range(rng.randint(1, 5))]
    subtotal = sum((amount for _, amount in items), Decimal("0"))
    tax = (subtotal * Decimal("0.07")).quantize(Decimal("0.01"))
    total = subtotal + tax
    lines = [store, rng.choice(["RECEIPT", "Sales Receipt", "Customer Receipt"]),
             f"Date: {rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(2022, 2025)}",
             f"Cashier: {rng.choice(PEOPLE).split()[0]}"]
    lines += [f"{name} {_fmt(amount)}" for name, amount in items]
    lines += [f"Subtotal {_fmt(subtotal)}", f"Tax {_fmt(tax)}", f"Total {_fmt(total)}",
              f"Paid with VISA card ending {rng.randint(1000, 9999)}",
              "Thank you for your purchase!"]
    return Sample(DocType.RECEIPT, lines, {"total": str(total)})


def _bank(rng: random.Random) -> Sample:
    bank = rng.choice(["Granite State Bank", "Riverbend Credit Union", "First Harbor Bank"])
    begin = _money(rng, 500, 90000)
    moves = [_money(rng, -3000, 5000) for _ in range(rng.randint(3, 8))]
    end = begin + sum(moves, Decimal("0"))
    year, month = rng.randint(2022, 2025), rng.randint(1, 12)
    lines = [bank, rng.choice(["Account Statement", "Bank Statement", "Monthly Statement"]),
             f"Statement Period: {month:02d}/01/{year} through {month:02d}/28/{year}",
             f"Account Number: ****{rng.randint(1000, 9999)}",
             f"Beginning Balance ${_fmt(begin)}", "Deposits and Additions"]
    lines += [f"{month:02d}/{rng.randint(2, 27):02d} {'Deposit' if m > 0 else 'Withdrawal'} "
              f"{_fmt(m)}" for m in moves]
    lines += ["Withdrawals and Subtractions", f"Ending Balance ${_fmt(end)}"]
    return Sample(DocType.BANK_STATEMENT, lines, {"ending_balance": str(end)})


MAKERS = {
    DocType.W2: _w2,
    DocType.F1099_NEC: lambda r: _1099(r, DocType.F1099_NEC),
    DocType.F1099_INT: lambda r: _1099(r, DocType.F1099_INT),
    DocType.F1099_DIV: lambda r: _1099(r, DocType.F1099_DIV),
    DocType.F1098: _1098,
    DocType.INVOICE: _invoice,
    DocType.RECEIPT: _receipt,
    DocType.BANK_STATEMENT: _bank,
}


def samples(per_class: int, seed: int = 7) -> list[Sample]:
    rng = random.Random(seed)
    return [MAKERS[doc_type](rng) for doc_type in MAKERS for _ in range(per_class)]


def as_pdf(sample: Sample, rng: random.Random) -> bytes:
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=letter, invariant=True)
    x, y = rng.randint(50, 90), rng.randint(700, 740)
    size = rng.choice([9, 10, 11, 12])
    for number, line in enumerate(sample.lines):
        pdf.setFont("Helvetica-Bold" if number == 0 else "Helvetica", size + (3 if number == 0
                                                                               else 0))
        pdf.drawString(x, y, line)
        y -= size + rng.randint(6, 10)
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


_FONT_CACHE: dict[int, ImageFont.FreeTypeFont] = {}


def _font(size: int):
    if size not in _FONT_CACHE:
        try:
            _FONT_CACHE[size] = ImageFont.truetype("DejaVuSans.ttf", size)
        except OSError:
            _FONT_CACHE[size] = ImageFont.load_default(size=size)
    return _FONT_CACHE[size]


def as_scan(sample: Sample, rng: random.Random) -> bytes:
    """A scanned-looking JPEG: grey paper, slight rotation, speckles, blur, compression."""
    size = rng.choice([20, 22, 24])
    height = 60 + (size + 14) * len(sample.lines)
    image = Image.new("L", (1000, height), rng.randint(225, 250))
    draw = ImageDraw.Draw(image)
    y = 30
    for line in sample.lines:
        draw.text((rng.randint(30, 50), y), line, fill=rng.randint(0, 50), font=_font(size))
        y += size + 14
    for _ in range(rng.randint(300, 900)):
        px, py = rng.randrange(image.width), rng.randrange(image.height)
        draw.point((px, py), fill=rng.randint(0, 255))
    image = image.rotate(rng.uniform(-1.5, 1.5), expand=True, fillcolor=235)
    if rng.random() < 0.5:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=rng.randint(55, 85))
    return buf.getvalue()
