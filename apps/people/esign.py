"""The signed letter as a PDF with a signature certificate, and its verification.

What is signed is the proposal's content in a canonical JSON form (`content_bytes`); its
SHA-256 is printed on the certificate page. The finished PDF's own SHA-256 is stored on
the proposal and in the firm's hash-chained audit trail, so a change to one byte of the
file, to the stored content, or to the stored hashes is detected by `verify_signed_pdf`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import UTC
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import (
    Image,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from apps.people.models_proposals import Proposal

MAX_DRAWING_BYTES = 300_000


def proposal_content(proposal: Proposal, *, firm_name: str) -> dict:
    """Everything the signer agrees to, and nothing that changes after signing."""
    return {
        "firm": firm_name, "client": proposal.client.business_name, "proposal": proposal.pk,
        "title": proposal.title, "introduction": proposal.introduction,
        "terms": proposal.terms, "expires_on": proposal.expires_on.isoformat(),
        "lines": [{"service": line.service, "description": line.description,
                   "fee_type": line.fee_type, "amount": str(line.amount),
                   "frequency": line.frequency, "engagement_type": line.engagement_type}
                  for line in proposal.lines.all()],
    }


def content_bytes(content: dict) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def drawing_png(data_url: str) -> bytes:
    """The PNG bytes of a drawn signature (a canvas data URL); ValueError otherwise."""
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix):
        raise ValueError("The drawn signature is not an image.")
    try:
        raw = base64.b64decode(data_url[len(prefix):], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("The drawn signature could not be read.") from exc
    if not raw.startswith(b"\x89PNG\r\n\x1a\n") or len(raw) > MAX_DRAWING_BYTES:
        raise ValueError("The drawn signature could not be read.")
    return raw


def _money(value: Decimal) -> str:
    return f"${value:,.2f}"


def _fee(line) -> str:
    if line.fee_type == "recurring":
        return f"{_money(line.amount)} {line.get_frequency_display().lower()}"
    if line.fee_type == "hourly":
        return f"{_money(line.amount)} per hour"
    return f"{_money(line.amount)} fixed"


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


@dataclass(frozen=True)
class SignatureEvidence:
    signer_name: str
    signer_email: str
    signed_at_iso: str
    ip: str
    user_agent: str
    kind: str
    consent_text: str
    content_sha256: str
    drawing: bytes | None = None


def signed_pdf(*, proposal: Proposal, firm_name: str, evidence: SignatureEvidence) -> bytes:
    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["Italic"]
    story = [_p(firm_name, styles["Title"]), _p(proposal.title, styles["Heading1"]),
             _p(f"Prepared for {proposal.client.business_name}", body), Spacer(1, 12)]
    if proposal.introduction:
        story += [_p(proposal.introduction, body), Spacer(1, 12)]
    rows = [["Service", "Fee"]] + [[_p(f"{line.service}\n{line.description}".strip(), body),
                                    _fee(line)] for line in proposal.lines.all()]
    table = Table(rows, colWidths=[4.4 * inch, 2 * inch])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "#999999"),
                               ("BACKGROUND", (0, 0), (-1, 0), "#eeeeee"),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [table, Spacer(1, 12), _p("Terms", styles["Heading2"]), _p(proposal.terms, body),
              PageBreak(), _p("Signature certificate", styles["Heading1"])]
    facts = [
        ("Document", f"{proposal.title} (proposal {proposal.pk})"),
        ("Signer", f"{evidence.signer_name} <{evidence.signer_email}>"),
        ("Signed at (UTC)", evidence.signed_at_iso),
        ("IP address", evidence.ip or "unknown"),
        ("Browser", evidence.user_agent or "unknown"),
        ("Signature", "Drawn by hand" if evidence.kind == "drawn" else "Typed name"),
        ("SHA-256 of signed content", evidence.content_sha256),
    ]
    cert = Table([[k, _p(v, body)] for k, v in facts], colWidths=[1.9 * inch, 4.5 * inch])
    cert.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "#999999"),
                              ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [cert, Spacer(1, 16), _p("Consent to sign electronically", styles["Heading3"]),
              _p(evidence.consent_text, small), Spacer(1, 16)]
    if evidence.drawing:
        story.append(Image(io.BytesIO(evidence.drawing), width=3 * inch, height=1 * inch,
                           kind="proportional"))
    else:
        story.append(_p(evidence.signer_name, styles["Heading2"]))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=letter, title=proposal.title, author=firm_name,
                      subject="Signed proposal").build(story)
    return out.getvalue()


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems


def verify_signed_pdf(*, proposal: Proposal, pdf: bytes, firm_name: str) -> Verification:
    """Check a PDF against the proposal's signature record: the file is byte for byte the
    one made at signing, the stored content still hashes to what was signed, and the
    certificate inside the file names that hash."""
    result = Verification()
    if proposal.status != Proposal.Status.SIGNED:
        result.problems.append("The proposal is not signed.")
        return result
    if sha256_hex(pdf) != proposal.pdf_sha256:
        result.problems.append("The PDF differs from the one made at signing "
                               "(its SHA-256 does not match).")
    content_hash = sha256_hex(content_bytes(proposal_content(proposal, firm_name=firm_name)))
    if content_hash != proposal.content_sha256:
        result.problems.append("The stored proposal no longer matches what was signed.")
    if not _certificate_names(pdf, proposal.content_sha256):
        result.problems.append("The certificate page does not name the signed content's "
                               "SHA-256.")
    return result


def _certificate_names(pdf: bytes, digest: str) -> bool:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(pdf))
        text = "".join(page.extract_text() or "" for page in reader.pages[-2:])
    except (PdfReadError, ValueError, KeyError, TypeError, OSError):
        return False
    return digest in "".join(text.split())


def signed_at_text(moment=None) -> str:
    return (moment or timezone.now()).astimezone(UTC).isoformat(timespec="seconds")
