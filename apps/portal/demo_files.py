"""The files behind the demo's documents: small real PDFs and CSVs with the text a firm
would receive, so the pipeline reads, classifies and files them like any upload."""

from __future__ import annotations

from datetime import date


def pdf_with_text(lines: list[str]) -> bytes:
    """A one-page PDF showing `lines` in Helvetica: text a PDF reader can extract."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = "BT /F1 11 Tf 56 780 Td 15 TL " + " ".join(
        f"({escape(line)}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(stream.encode('latin-1'))} >>\nstream\n{stream}\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
            "%%EOF\n").encode()
    return bytes(out)


def bank_statement(business: str, year: int) -> bytes:
    return pdf_with_text([
        "First Harbor Bank - Business Checking Statement",
        f"Account holder: {business}",
        f"Statement period: December 1, {year} to December 31, {year}",
        "Account number: ****4821",
        "Opening balance: $18,240.55",
        f"12/03/{year}  Deposit - customer payments        $6,420.00",
        f"12/09/{year}  ACH debit - payroll                -$4,915.32",
        f"12/15/{year}  Card purchase - office supplies      -$212.48",
        f"12/28/{year}  Deposit - customer payments        $3,880.00",
        "Closing balance: $23,412.75",
    ])


def w2_forms(business: str, year: int) -> bytes:
    return pdf_with_text([
        f"Form W-2 Wage and Tax Statement {year}",
        f"Employer: {business}",
        "Employer identification number (EIN): 84-1234567",
        "Employee: Jordan Avery",
        "Box 1 Wages, tips, other compensation: 58,200.00",
        "Box 2 Federal income tax withheld: 6,984.00",
        "Box 3 Social security wages: 58,200.00",
        "Box 5 Medicare wages and tips: 58,200.00",
    ])


def balance_sheet(business: str, year: int) -> bytes:
    return pdf_with_text([
        f"{business}",
        f"Balance Sheet as of December 31, {year}",
        "Assets",
        "Cash and cash equivalents: 23,412.75",
        "Accounts receivable: 41,870.00",
        "Total assets: 65,282.75",
        "Liabilities and equity",
        "Accounts payable: 12,340.10",
        "Owner's equity: 52,942.65",
        "Total liabilities and equity: 65,282.75",
    ])


def _csv(header: str, rows: list[str], business: str) -> bytes:
    # The business in every row: each client's file is its own content (uploads are
    # recognised by their SHA-256 per client anyway).
    return "\n".join([f"{header},Business", *(f'{row},"{business}"' for row in rows)]
                     ).encode() + b"\n"


def receipts_csv(business: str, year: int) -> bytes:
    return _csv("Date,Vendor,Category,Amount,Receipt", [
        f"{year}-10-04,Staples,Office supplies,84.19,R-1041",
        f"{year}-11-12,Delta Air Lines,Travel,412.60,R-1088",
        f"{year}-12-02,Hilton Garden Inn,Lodging,289.00,R-1102",
        f"{year}-12-18,Uber,Travel,38.75,R-1131"], business)


def payroll_csv(business: str, year: int) -> bytes:
    return _csv("Employee,Pay date,Gross pay,Federal withholding,Social security,Medicare,"
                "Net pay", [
                    f"Jordan Avery,{year}-12-15,4850.00,582.00,300.70,70.33,3896.97",
                    f"Casey Morgan,{year}-12-15,3920.00,431.20,243.04,56.84,3188.92",
                    f"Riley Chen,{year}-12-15,4410.00,507.15,273.42,63.95,3565.48"], business)


# (file name, category, content builder) of the documents a demo client has sent.
DEMO_FILES = [
    ("{year}-bank-statement.pdf", "bank_statement", bank_statement),
    ("w-2-forms-{year}.pdf", "tax_return", w2_forms),
    ("q4-receipts.csv", "receipt", receipts_csv),
    ("payroll-register.csv", "payroll", payroll_csv),
    ("balance-sheet-{year}.pdf", "financial_statement", balance_sheet),
]


def demo_file(index: int, business: str, today: date) -> tuple[str, str, bytes]:
    name, category, build = DEMO_FILES[index % len(DEMO_FILES)]
    year = today.year - 1
    return name.format(year=year), category, build(business, year)
