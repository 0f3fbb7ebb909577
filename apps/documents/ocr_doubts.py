"""Doubts about text values read by OCR that no format check settles.

OCR confuses look-alike characters: O and 0, I or l and 1, S and 5, B and 8. In an amount
the format decides (apps/documents/amounts.py), but an identifier such as an invoice number
mixes letters and digits freely, so "SO68331" read as "S068331" is a valid-looking wrong
value (measured: three of four wrong values auto-accepted on held-out captures). The
same goes for names: "Ironbridge" read as "lronbridge". Such values are kept, with a
lower confidence and the reason, so a person confirms them; values from a file's own text
are never doubted.
"""

from __future__ import annotations

import re
from itertools import pairwise

from apps.documents.fields import Field

# Look-alike characters at a letter/digit boundary ("S0", "O6", "V1"): the one place an
# identifier's reading could be either.
LOOK_ALIKES = set("0O1Il5S8B")
DOUBTED_CONFIDENCE = 0.6
IDENTIFIER_FIELDS = ("invoice_number",)
NAME_FIELDS = ("vendor",)
# A word in lower case l followed by another consonant (not "ll", "ly"): in a name this is
# nearly always a capital I read as l ("lronbridge", "lndustries").
_L_FOR_I = re.compile(r"(?:^|[\s(&-])l[^aeiouyl\W\d]")


def _mixed_look_alike(value: str) -> bool:
    """True when a look-alike character sits between a letter and a digit."""
    for left, right in pairwise(value):
        if left.isalpha() != right.isalpha() and left.isalnum() and right.isalnum() \
                and (left in LOOK_ALIKES or right in LOOK_ALIKES):
            return True
    return False


def ocr_doubts(found: dict[str, Field]) -> None:
    """Lower the confidence of OCR-read identifiers and names that look-alike characters
    make uncertain; the reason goes to the reviewer."""
    for name in IDENTIFIER_FIELDS:
        field = found.get(name)
        if field is not None and isinstance(field.value, str) \
                and _mixed_look_alike(field.value):
            field.distrust(DOUBTED_CONFIDENCE, "read from an image, and letters and "
                           "digits that look alike (O and 0, I and 1, S and 5) could be "
                           "either; check against the page")
    for name in NAME_FIELDS:
        field = found.get(name)
        if field is not None and isinstance(field.value, str) \
                and _L_FOR_I.search(field.value) and not field.value.islower():
            field.distrust(DOUBTED_CONFIDENCE, "read from an image, and a lower-case l "
                           "may be a capital I; check against the page")
