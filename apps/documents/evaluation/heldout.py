"""A held-out evaluation set, written apart from corpus.py and from the rules it judges.

Other issuers, titles, wording, field orders and layouts (label and value in columns,
values on the line below their box, whole-dollar K-1s, 1099-MISC and K-1 which the
generated corpus lacks) and NEGATIVES: letters, restaurant menus, unrelated business
papers and marketing flyers, which must not be taken for a form. Every sample carries the
truth of every field the extractors produce for its type (negatives have none).

Split: every sample has a stable key (seed and position); a hash of it puts the sample in
the development half (rules and confidences are tuned there) or the test half (only
reported). The halves are disjoint and the same for the same seed on every machine.

    samples("dev", seed=18) / samples("test", seed=18)
    as_pdf(sample, rng) / as_scan(sample, rng)
"""

from __future__ import annotations

import hashlib
import io
import random
from decimal import ROUND_HALF_UP, Decimal

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from apps.documents.corpus import Sample
from apps.documents.models import DocType

SPLITS = ("dev", "test")
PER_CLASS = 24  # before the split: about 12 per class in each half
ISSUERS = ["Quarry Hill Fabrication LLC", "Tidewater Pediatrics PA", "Orchid Analytics Inc",
           "Bramble & Finch Landscaping", "Copperline Transit Co", "Saguaro Solar Partners LP",
           "Fernwood Senior Living", "Ironbridge Capital Advisors", "Kestrel Aviation Services",
           "Lumen Street Theatre Guild", "Marigold Catering Group", "Nimbus Cloud Storage Inc"]
BANKS = ["Chesapeake Federal Savings", "Prairie Wind Credit Union", "Beacon Trust Bank",
         "Old Mill Community Bank"]
PEOPLE = ["Priya Raman", "Tomasz Nowak", "Grace Okafor", "Luis Herrera", "Hannah Weiss",
          "Kenji Watanabe", "Olivia Brennan", "Samuel Adeyemi"]
SHOPS = ["Tumbleweed Hardware", "Pacific Pantry", "Greenleaf Pharmacy", "Metro Fuel #27",
         "Harbor Copy & Print", "Sunrise Diner"]
# EIN prefixes the IRS assigns (a sample of them).
PREFIXES = [1, 4, 11, 13, 20, 22, 27, 30, 36, 41, 45, 52, 56, 61, 68, 74, 81, 86, 91, 95]
SS_BASE = {2021: 142800, 2022: 147000, 2023: 160200, 2024: 168600, 2025: 176100}
CENT = Decimal("0.01")


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return (Decimal(rng.randint(low * 100, high * 100)) / 100).quantize(CENT)


def _fmt(amount: Decimal, rng: random.Random | None = None) -> str:
    # Most issuers print 1,234.56; some print 1234.56 or "$1,234.56".
    text = f"{amount:,.2f}"
    if rng is not None:
        choice = rng.random()
        if choice < 0.2:
            text = f"{amount:.2f}"
        elif choice < 0.4:
            text = f"${amount:,.2f}" if amount >= 0 else f"-${-amount:,.2f}"
    return text


def _ein(rng: random.Random) -> str:
    return f"{rng.choice(PREFIXES):02d}-{rng.randint(1000000, 9999999)}"


def _w2(rng: random.Random) -> Sample:
    year, ein = rng.randint(2021, 2025), _ein(rng)
    wages = _money(rng, 22000, 260000)
    ss_wages = min(wages, Decimal(SS_BASE[year])).quantize(CENT)
    ss_tax = (ss_wages * Decimal("0.062")).quantize(CENT, ROUND_HALF_UP)
    med_tax = (wages * Decimal("0.0145")).quantize(CENT, ROUND_HALF_UP)
    if wages > 200000:
        med_tax += ((wages - 200000) * Decimal("0.009")).quantize(CENT, ROUND_HALF_UP)
    withheld = (wages * Decimal(rng.choice(["0.09", "0.12", "0.17", "0.21"]))).quantize(CENT)
    boxes = [("1 Wages, tips, other compensation", wages),
             ("2 Federal income tax withheld", withheld),
             ("3 Social security wages", ss_wages), ("4 Social security tax withheld", ss_tax),
             ("5 Medicare wages and tips", wages), ("6 Medicare tax withheld", med_tax)]
    title = rng.choice([f"{year} W-2 Wage and Tax Statement", f"Form W-2 (Tax Year {year})",
                        f"Wage and Tax Statement {year} Copy C for employee's records",
                        f"W-2 {year} Employee Reference Copy"])
    lines = [title, f"Employer: {rng.choice(ISSUERS)}",
             f"b Employer's identification number {ein}",
             f"Employee: {rng.choice(PEOPLE)}  d Control number {rng.randint(10000, 99999)}"]
    if rng.random() < 0.5:
        lines += [f"{label}\t{_fmt(value, rng)}" for label, value in boxes]
    else:  # values on the line under their box, two boxes per row
        for (l1, v1), (l2, v2) in zip(boxes[0::2], boxes[1::2], strict=True):
            lines += [f"{l1}\t{_fmt(v1)}", f"{l2}\t{_fmt(v2)}"]
    lines.append(rng.choice(["Department of the Treasury - Internal Revenue Service",
                             "This information is being furnished to the IRS."]))
    truth = {"employer_ein": ein, "wages": str(wages), "federal_withholding": str(withheld),
             "social_security_wages": str(ss_wages), "social_security_tax": str(ss_tax),
             "medicare_wages": str(wages), "medicare_tax": str(med_tax), "tax_year": year}
    return Sample(DocType.W2, lines, truth)


_1099_KINDS = {
    DocType.F1099_NEC: ("1099-NEC", "Nonemployee Compensation",
                        "1 Nonemployee compensation", "nonemployee_compensation", 400, 120000),
    DocType.F1099_INT: ("1099-INT", "Interest Income", "1 Interest income", "interest_income",
                        10, 25000),
    DocType.F1099_DIV: ("1099-DIV", "Dividends and Distributions",
                        "1a Total ordinary dividends", "ordinary_dividends", 10, 40000),
    DocType.F1099_MISC: ("1099-MISC", "Miscellaneous Information", "1 Rents", "amount",
                         600, 90000),
}


def _1099(rng: random.Random, doc_type: str) -> Sample:
    form, name, label, key, low, high = _1099_KINDS[doc_type]
    year, tin, amount = rng.randint(2021, 2025), _ein(rng), _money(rng, low, high)
    title = rng.choice([f"Form {form} {name}", f"{year} Form {form}", f"{name} - Form {form}",
                        f"Form {form} (Rev. January 2024) {name}"])
    lines = [title, f"PAYER'S TIN {tin}", f"PAYER'S name {rng.choice(ISSUERS)}",
             f"RECIPIENT'S name {rng.choice(PEOPLE)}", f"{label}\t{_fmt(amount, rng)}",
             f"4 Federal income tax withheld\t{_fmt(Decimal('0.00'))}"]
    middle = lines[1:4]
    rng.shuffle(middle)
    lines[1:4] = middle
    lines.insert(rng.randint(1, 3), rng.choice([f"For calendar year {year}",
                                                f"Tax year {year}", f"Calendar year {year}"]))
    lines.append(rng.choice(["Copy B For Recipient", "Keep for your records"]))
    return Sample(doc_type, lines, {"payer_tin": tin, key: str(amount), "tax_year": year})


def _1098(rng: random.Random) -> Sample:
    year, tin, interest = rng.randint(2021, 2025), _ein(rng), _money(rng, 900, 38000)
    lines = [rng.choice([f"Form 1098 Mortgage Interest Statement {year}",
                         f"{year} Form 1098 - Mortgage Interest Statement",
                         f"Mortgage Interest Statement For calendar year {year}"]),
             f"RECIPIENT'S/LENDER'S name {rng.choice(BANKS)}",
             f"RECIPIENT'S/LENDER'S TIN {tin}",
             f"PAYER'S/BORROWER'S name {rng.choice(PEOPLE)}",
             f"1 Mortgage interest received from payer(s)/borrower(s)\t{_fmt(interest, rng)}",
             f"2 Outstanding mortgage principal\t{_fmt(_money(rng, 80000, 800000))}",
             f"3 Mortgage origination date {rng.randint(1, 12):02d}/"
             f"{rng.randint(1, 28):02d}/{rng.randint(2005, 2020)}"]
    return Sample(DocType.F1098, lines, {"lender_tin": tin, "mortgage_interest": str(interest),
                                         "tax_year": year})


def _k1(rng: random.Random) -> Sample:
    year, ein = rng.randint(2021, 2025), _ein(rng)
    income = Decimal(rng.randint(-40000, 250000))  # K-1s print whole dollars
    form = rng.choice(["1065", "1120-S"])
    whose = "Partner's" if form == "1065" else "Shareholder's"
    entity = "Partnership's" if form == "1065" else "Corporation's"
    lines = [f"Schedule K-1 (Form {form}) {year}",
             f"{whose} Share of Income, Deductions, Credits, etc.",
             rng.choice([f"For calendar year {year}, or tax year beginning", "Final K-1"]),
             f"A {entity} employer identification number {ein}",
             f"B {entity} name {rng.choice(ISSUERS)}",
             f"1 Ordinary business income (loss)\t{income:,}"]
    return Sample(DocType.K1, lines, {"entity_ein": ein, "ordinary_income": str(income),
                                      "tax_year": year})


def _bank(rng: random.Random) -> Sample:
    begin = _money(rng, 200, 120000)
    moves = [_money(rng, -4000, 6000) for _ in range(rng.randint(2, 7))]
    end = begin + sum(moves, Decimal("0"))
    year, month = rng.randint(2022, 2025), rng.randint(1, 11)
    last = 30 if month in (4, 6, 9, 11) else 28 if month == 2 else 31
    lines = [rng.choice(BANKS), rng.choice(["Statement of Account", "Checking Account Statement",
                                            "Business Checking Statement"]),
             f"Statement Period {month:02d}/01/{year} - {month:02d}/{last}/{year}",
             f"Account ending in {rng.randint(1000, 9999)}",
             f"Opening Balance\t{_fmt(begin, rng)}", "Activity"]
    lines += [f"{month:02d}/{rng.randint(2, 27):02d} {'ACH credit' if m > 0 else 'Debit card'}"
              f"\t{_fmt(m)}" for m in moves]
    lines += [f"Closing Balance\t{_fmt(end, rng)}", "Questions? Call us 24/7."]
    return Sample(DocType.BANK_STATEMENT, lines, {
        "beginning_balance": str(begin), "ending_balance": str(end),
        "statement_date": f"{year}-{month:02d}-{last:02d}"})


def _items(rng: random.Random, names: list[str], low: int, high: int
           ) -> list[tuple[str, Decimal]]:
    return [(rng.choice(names), _money(rng, low, high)) for _ in range(rng.randint(1, 5))]


def _invoice(rng: random.Random) -> Sample:
    vendor, number = rng.choice(ISSUERS), f"{rng.choice(['A', 'Q', 'SO'])}{rng.randint(100, 99999)}"
    month, day, year = rng.randint(1, 12), rng.randint(1, 28), rng.randint(2022, 2025)
    items = _items(rng, ["Site visit", "Design retainer", "Pallets (12)", "Annual support plan",
                         "Freight", "Labour - 6 h"], 30, 6000)
    subtotal = sum((a for _, a in items), Decimal("0"))
    tax = (subtotal * Decimal(rng.choice(["0", "0.0625", "0.08"]))).quantize(CENT)
    total = subtotal + tax
    lines = [vendor, rng.choice(["Invoice", "INVOICE", "Commercial Invoice"]),
             f"Invoice No. {number}", f"Invoice Date {month:02d}/{day:02d}/{year}",
             f"Customer: {rng.choice(PEOPLE)}", "Item\tAmount"]
    lines += [f"{n}\t{_fmt(a)}" for n, a in items]
    lines += [f"Subtotal\t{_fmt(subtotal)}", f"Sales Tax\t{_fmt(tax)}",
              f"{rng.choice(['Total Due', 'Balance Due', 'Amount Due'])}\t{_fmt(total, rng)}",
              rng.choice(["Terms: Due on receipt", "Please remit within 15 days"])]
    return Sample(DocType.INVOICE, lines, {
        "invoice_number": number, "total": str(total), "subtotal": str(subtotal),
        "tax": str(tax), "date": f"{year}-{month:02d}-{day:02d}", "vendor": vendor})


def _receipt(rng: random.Random) -> Sample:
    shop = rng.choice(SHOPS)
    month, day, year = rng.randint(1, 12), rng.randint(1, 28), rng.randint(2022, 2025)
    items = _items(rng, ["Hinges", "Sandwich", "Unleaded", "Printing", "Ibuprofen", "Tea"],
                   1, 90)
    subtotal = sum((a for _, a in items), Decimal("0"))
    tax = (subtotal * Decimal(rng.choice(["0.05", "0.0725", "0.0875"]))).quantize(CENT)
    total = subtotal + tax
    lines = [shop, rng.choice(["Receipt", "SALES RECEIPT", "Thank you for shopping with us"]),
             f"{month:02d}/{day:02d}/{year} {rng.randint(7, 21):02d}:{rng.randint(0, 59):02d}",
             f"Register {rng.randint(1, 9)}  Cashier {rng.choice(PEOPLE).split()[0]}"]
    lines += [f"{n}\t{_fmt(a)}" for n, a in items]
    lines += [f"Subtotal\t{_fmt(subtotal)}", f"Tax\t{_fmt(tax)}", f"TOTAL\t{_fmt(total, rng)}",
              f"Card ending {rng.randint(1000, 9999)}", "No refunds after 30 days"]
    return Sample(DocType.RECEIPT, lines, {"total": str(total), "subtotal": str(subtotal),
                                           "tax": str(tax),
                                           "date": f"{year}-{month:02d}-{day:02d}",
                                           "vendor": shop})


# Negatives: documents a firm receives that are none of the forms above.
def _letter(rng: random.Random) -> Sample:
    return Sample(DocType.OTHER, [
        rng.choice(ISSUERS), f"{rng.choice(['March', 'June', 'October'])} {rng.randint(1, 28)},"
        f" {rng.randint(2022, 2025)}", f"Dear {rng.choice(PEOPLE)},",
        rng.choice(["Thank you for attending our open house last week.",
                    "We are pleased to welcome you as a new tenant at Building C.",
                    "This is a reminder that our offices will close for the holidays."]),
        "Parking will be available in the north lot from 8 am.",
        "Please contact our front desk with any questions.", "Sincerely,",
        rng.choice(PEOPLE)])


def _menu(rng: random.Random) -> Sample:
    dishes = ["Grilled salmon", "Mushroom risotto", "Caesar salad", "Lamb burger",
              "Tomato soup", "Key lime pie", "Espresso"]
    lines = [rng.choice(["The Copper Kettle", "Luna Trattoria", "Blue Heron Cafe"]),
             rng.choice(["Dinner Menu", "Lunch Specials", "Menu"])]
    lines += [f"{d}\t{_fmt(_money(rng, 4, 38))}" for d in rng.sample(dishes, 5)]
    lines += ["A gratuity of 18% is added for parties of six or more.",
              "Ask your server about today's dessert."]
    return Sample(DocType.OTHER, lines)


def _business_paper(rng: random.Random) -> Sample:
    return Sample(DocType.OTHER, rng.choice([
        [f"Minutes of the Board Meeting, {rng.choice(ISSUERS)}",
         f"Held on {rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(2022, 2025)}",
         "Present: five directors; quorum confirmed.",
         "1. The budget for the new warehouse was approved.",
         "2. The audit committee will report next quarter.", "Meeting adjourned at 4:40 pm."],
        ["Employee Handbook - Section 4", "Paid time off accrues at 1.5 days per month.",
         "Requests are approved by your manager.", "Unused days carry over up to 10 days."],
        [f"Project Status Report - {rng.choice(['Q1', 'Q2', 'Q3'])}",
         "Milestones met: 7 of 9", "Budget used: 62%", "Risks: supplier delays",
         "Next steps: finish testing, train staff"],
        [f"Shipping Notice {rng.randint(1000, 9999)}", f"Carrier: {rng.choice(ISSUERS)}",
         "Packages: 3", "Weight: 41.5 lb", "Delivered to loading dock B"]]))


def _flyer(rng: random.Random) -> Sample:
    return Sample(DocType.OTHER, [
        rng.choice(["GRAND OPENING!", "Spring Sale", "Join Our Team"]),
        rng.choice(SHOPS), f"Save {rng.choice([15, 20, 30, 50])}% on everything this weekend",
        f"Prices from {_fmt(_money(rng, 2, 20))}", "Free coffee for the first 100 visitors",
        "Visit us at 120 Main Street or call 555-0142"])


def _signed(make):
    """A negative signed by someone, dated and numbered: no two are the same text."""
    def negative(rng: random.Random) -> Sample:
        sample = make(rng)
        sample.lines += [f"{rng.choice(PEOPLE)}, {rng.choice(ISSUERS)}",
                         f"Ref. {rng.choice('ABCDEFGH')}-{rng.randint(10000, 99999)}"]
        return sample
    return negative


MAKERS = {
    DocType.W2: _w2, DocType.F1099_NEC: lambda r: _1099(r, DocType.F1099_NEC),
    DocType.F1099_INT: lambda r: _1099(r, DocType.F1099_INT),
    DocType.F1099_DIV: lambda r: _1099(r, DocType.F1099_DIV),
    DocType.F1099_MISC: lambda r: _1099(r, DocType.F1099_MISC),
    DocType.F1098: _1098, DocType.K1: _k1, DocType.BANK_STATEMENT: _bank,
    DocType.INVOICE: _invoice, DocType.RECEIPT: _receipt,
    "letter": _signed(_letter), "menu": _signed(_menu),
    "business_paper": _signed(_business_paper), "flyer": _signed(_flyer),
}


def split_of(seed: int, kind: str, number: int) -> str:
    """The half a sample belongs to, from its stable key alone."""
    digest = hashlib.sha256(f"heldout:{seed}:{kind}:{number}".encode()).digest()
    return SPLITS[digest[0] % 2]


def samples(split: str, seed: int = 18, per_class: int = PER_CLASS) -> list[Sample]:
    """The `split` half ("dev" or "test") of the held-out set for `seed`."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    chosen: list[Sample] = []
    for kind, make in MAKERS.items():
        # One generator per kind and sample: a sample does not change when others do.
        for number in range(per_class):
            rng = random.Random(f"{seed}:{kind}:{number}")
            sample = make(rng)
            if split_of(seed, kind, number) == split:
                chosen.append(sample)
    return chosen


def as_pdf(sample: Sample, rng: random.Random) -> bytes:
    """A text PDF in Times or Courier, columns at a tab (values right of their labels)."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=letter, invariant=True)
    font = rng.choice(["Times-Roman", "Courier", "Helvetica"])
    size, x, y = rng.choice([9, 10, 11]), rng.randint(40, 70), rng.randint(690, 740)
    column = rng.randint(330, 400)
    for line in sample.lines:
        pdf.setFont(font, size)
        left, _, right = line.partition("\t")
        pdf.drawString(x, y, left)
        if right:
            pdf.drawRightString(column + 120, y, right)
        y -= size + rng.randint(5, 9)
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def as_scan(sample: Sample, rng: random.Random) -> bytes:
    """An office scan: serif or sans type, columns, slight skew, grain, 100-150 dpi-like
    resolution, JPEG artefacts."""
    size = rng.choice([22, 24, 26])
    font = ImageFont.truetype(rng.choice(["DejaVuSerif.ttf", "LiberationSans-Regular.ttf",
                                          "DejaVuSans.ttf"]), size)
    height = 80 + (size + 16) * len(sample.lines)
    image = Image.new("L", (1200, height), rng.randint(228, 250))
    draw = ImageDraw.Draw(image)
    y = 40
    for line in sample.lines:
        left, _, right = line.partition("\t")
        draw.text((rng.randint(36, 60), y), left, fill=rng.randint(0, 60), font=font)
        if right:
            draw.text((1150 - draw.textlength(right, font=font), y), right,
                      fill=rng.randint(0, 60), font=font)
        y += size + 16
    for _ in range(rng.randint(200, 700)):
        draw.point((rng.randrange(image.width), rng.randrange(image.height)),
                   fill=rng.randint(0, 255))
    image = image.rotate(rng.uniform(-1.2, 1.2), expand=True, fillcolor=236)
    scale = rng.uniform(0.8, 1.0)
    image = image.resize((int(image.width * scale), int(image.height * scale)))
    if rng.random() < 0.4:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.7)))
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=rng.randint(50, 85))
    return buf.getvalue()
