"""Bit masks of vocabulary codes, matching the generated integer columns of migration
0005 (`industry_bits`, `service_bits`, `size_bits`): bit i is the i-th code of the
vocabulary. tests/marketplace/test_matching.py checks every code against the database."""

from __future__ import annotations

from apps.marketplace.vocabulary import CompanySize, Industry, Service

INDUSTRY_BITS = {code: 1 << i for i, code in enumerate(Industry.values)}
SERVICE_BITS = {code: 1 << i for i, code in enumerate(Service.values)}
SIZE_BITS = {code: 1 << i for i, code in enumerate(CompanySize.values)}
# The array column each bits column is generated from, and its masks.
BITS_OF = {"industries": ("industry_bits", INDUSTRY_BITS),
           "services": ("service_bits", SERVICE_BITS),
           "company_sizes": ("size_bits", SIZE_BITS)}
