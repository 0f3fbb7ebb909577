"""What a document is, from its text: weighted phrases per type, with a confidence.

Matching runs on a compact form (lower case, letters and digits only), because OCR often
drops the spaces between words ("WageandTaxStatement") and PDFs split words oddly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from apps.documents.models import DocType

# (phrase in compact form, weight). Titles weigh most; box labels confirm.
RULES: dict[str, list[tuple[str, float]]] = {
    DocType.W2: [("wageandtaxstatement", 4), ("formw2", 3), ("wagestipsothercompensation", 2),
                 ("socialsecuritywages", 1.5), ("medicarewagesandtips", 1.5),
                 ("employersidentificationnumber", 1), ("federalincometaxwithheld", 0.5)],
    DocType.F1099_NEC: [("1099nec", 4), ("nonemployeecompensation", 3)],
    DocType.F1099_MISC: [("1099misc", 4), ("miscellaneousinformation", 3),
                         ("miscellaneousincome", 3), ("rents", 0.5), ("royalties", 1),
                         ("otherincome", 0.5)],
    DocType.F1099_INT: [("1099int", 4), ("interestincome", 3),
                        ("earlywithdrawalpenalty", 1.5), ("interestonussavingsbonds", 1)],
    DocType.F1099_DIV: [("1099div", 4), ("dividendsanddistributions", 3),
                        ("totalordinarydividends", 2), ("qualifieddividends", 1.5),
                        ("capitalgaindistr", 1)],
    DocType.F1098: [("mortgageintereststatement", 4), ("form1098", 2),
                    ("mortgageinterestreceived", 3), ("outstandingmortgageprincipal", 1.5),
                    ("mortgageoriginationdate", 1)],
    DocType.K1: [("schedulek1", 4), ("partnersshareofincome", 3),
                 ("shareholdersshareofincome", 3), ("ordinarybusinessincome", 1.5),
                 ("form1065", 1), ("form1120s", 1)],
    DocType.BANK_STATEMENT: [("accountstatement", 2.5), ("bankstatement", 3),
                             ("statementperiod", 2), ("beginningbalance", 1.5),
                             ("endingbalance", 1.5), ("depositsandadditions", 1.5),
                             ("withdrawalsandsubtractions", 1.5), ("dailybalance", 1)],
    DocType.INVOICE: [("invoicenumber", 3), ("invoiceno", 2), ("invoicedate", 2),
                      ("invoice", 1.5), ("pleaseremit", 1), ("remitto", 1),
                      ("billto", 1.5), ("amountdue", 1.5), ("paymentterms", 1),
                      ("duedate", 0.5)],
    DocType.RECEIPT: [("receipt", 2.5), ("thankyouforyourpurchase", 2), ("subtotal", 1),
                      ("cashier", 1.5), ("changedue", 1.5), ("paidwith", 1),
                      ("cardending", 1), ("storenumber", 1)],
    DocType.ENGAGEMENT_LETTER: [("engagementletter", 4), ("scopeofservices", 2),
                                ("termsofengagement", 2), ("thisletterconfirms", 1.5),
                                ("responsibilitiesofmanagement", 1.5),
                                ("pleasesignandreturn", 1)],
}
# Form titles contain "1099" for every variant: a 1099 title alone says little.
_COMPACT = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Classification:
    doc_type: str
    confidence: float
    scores: dict[str, float]


def compact(text: str) -> str:
    return _COMPACT.sub("", text.lower())


def classify(text: str) -> Classification:
    flat = compact(text)
    # OCR reads I as l (and 1): compare a second time with every l read as i.
    flat_i = flat.replace("l", "i")
    scores: dict[str, float] = {}
    for doc_type, rules in RULES.items():
        score = sum(weight for phrase, weight in rules
                    if phrase in flat or phrase.replace("l", "i") in flat_i)
        if score:
            scores[doc_type] = score
    if not scores:
        return Classification(DocType.OTHER, 0.5 if len(flat) > 40 else 0.2, {})
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    best, best_score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    # Confident when the evidence is strong and clearly ahead of the next type.
    strength = min(1.0, best_score / 5.0)
    margin = (best_score - runner_up) / best_score
    confidence = round(min(0.99, 0.35 + 0.4 * strength + 0.3 * margin), 3)
    if best_score < 1.5:
        return Classification(DocType.OTHER, 0.4, scores)
    return Classification(best, confidence, scores)
