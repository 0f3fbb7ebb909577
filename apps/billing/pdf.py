"""The invoice as a PDF: letterhead, bill-to, dates and terms, the lines with quantity,
price, tax and amount, totals, payments and what is left to pay.

reportlab (already a dependency) draws it in pure Python; the Vera TrueType fonts shipped
inside reportlab cover accented names, so nothing depends on system fonts.
"""

from __future__ import annotations

import io
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from apps.billing.selectors import InvoiceDetail

_FONTS_READY = False


def _fonts() -> tuple[str, str]:
    global _FONTS_READY
    if not _FONTS_READY:
        pdfmetrics.registerFont(TTFont("Vera", "Vera.ttf"))
        pdfmetrics.registerFont(TTFont("VeraBd", "VeraBd.ttf"))
        _FONTS_READY = True
    return "Vera", "VeraBd"


def _money(value: Decimal, currency: str) -> str:
    return f"{value:,.2f} {currency}"


def _quantity(value: Decimal) -> str:
    return f"{value.normalize():f}"


def invoice_pdf(detail: InvoiceDetail, *, firm_name: str) -> bytes:
    regular, bold = _fonts()
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["Normal"], fontName=regular, fontSize=9.5,
                          leading=12)
    small = ParagraphStyle("small", parent=body, fontSize=8, textColor=colors.grey)
    heading = ParagraphStyle("heading", parent=body, fontName=bold, fontSize=20, leading=24)
    right = ParagraphStyle("right", parent=body, alignment=TA_RIGHT)
    invoice, currency = detail.invoice, detail.invoice.currency

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(text), style)

    story: list = []
    heading_right = ParagraphStyle("heading_right", parent=heading, alignment=TA_RIGHT)
    head = Table([[p(firm_name, heading), p("INVOICE", heading_right)],
                  [p(f"Invoice {invoice.number}"), p(invoice.get_status_display(), right)]],
                 colWidths=[4.2 * inch, 2.8 * inch])
    head.setStyle(TableStyle([("ALIGN", (1, 0), (1, -1), "RIGHT"),
                              ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [head, Spacer(1, 0.25 * inch)]

    client = invoice.client
    bill_to = [p("Bill to", small), p(client.business_name)]
    if client.contact_name:
        bill_to.append(p(client.contact_name))
    if client.contact_email:
        bill_to.append(p(client.contact_email))
    dates = [[p("Issue date", small), p(f"{invoice.issue_date:%B %-d, %Y}", right)],
             [p("Due date", small), p(f"{invoice.due_date:%B %-d, %Y}", right)],
             [p("Terms", small), p(invoice.get_payment_terms_display(), right)],
             [p("Currency", small), p(currency, right)]]
    meta = Table([[bill_to, Table(dates, colWidths=[1.0 * inch, 1.8 * inch])]],
                 colWidths=[4.2 * inch, 2.8 * inch])
    meta.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [meta, Spacer(1, 0.3 * inch)]

    rows = [[p("Description", small), p("Qty", small), p("Unit price", small),
             p("Tax", small), p("Amount", small)]]
    for line in detail.lines:
        rows.append([p(line.description), p(_quantity(line.quantity), right),
                     p(f"{line.unit_price:,.2f}", right),
                     p(f"{(line.tax_rate * 100).normalize():f} %", right),
                     p(f"{line.amount:,.2f}", right)])
    lines = Table(rows, colWidths=[3.4 * inch, 0.7 * inch, 1.0 * inch, 0.7 * inch, 1.2 * inch],
                  repeatRows=1)
    lines.setStyle(TableStyle([
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    story += [lines, Spacer(1, 0.2 * inch)]

    totals = [[p("Subtotal"), p(_money(invoice.subtotal, currency), right)],
              [p("Tax"), p(_money(invoice.tax_total, currency), right)],
              [p("Total", ParagraphStyle("t", parent=body, fontName=bold)),
               p(_money(invoice.total, currency), ParagraphStyle("tr", parent=right,
                                                                 fontName=bold))]]
    for payment in detail.payments:
        label = f"Payment {payment.received_on:%b %-d, %Y} ({payment.get_method_display()})"
        totals.append([p(label), p("-" + _money(payment.amount, currency), right)])
    for refund in detail.refunds:
        totals.append([p(f"Refund {refund.created_at:%b %-d, %Y}"),
                       p(_money(refund.amount, currency), right)])
    totals.append([p("Balance due", ParagraphStyle("b", parent=body, fontName=bold)),
                   p(_money(invoice.balance, currency),
                     ParagraphStyle("br", parent=right, fontName=bold))])
    table = Table(totals, colWidths=[2.4 * inch, 1.6 * inch], hAlign="RIGHT")
    table.setStyle(TableStyle([("LINEABOVE", (0, 2), (-1, 2), 0.8, colors.black),
                               ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black)]))
    story.append(table)
    if invoice.notes:
        story += [Spacer(1, 0.3 * inch), p("Notes", small), p(invoice.notes)]
    if invoice.status == invoice.Status.VOID:
        story += [Spacer(1, 0.3 * inch), p(f"VOID: {invoice.void_reason}", heading)]

    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=LETTER, title=f"Invoice {invoice.number}",
                                 author=firm_name, leftMargin=0.75 * inch,
                                 rightMargin=0.75 * inch, topMargin=0.75 * inch,
                                 bottomMargin=0.75 * inch)
    document.build(story)
    return buffer.getvalue()
