"""The marketplace's controlled vocabularies: industries, services, company sizes,
certifications.

Filters and profiles use these codes, so an unknown value is a clear 400 instead of a
search that silently matches nothing.
"""

from __future__ import annotations

from django.db import models


class Industry(models.TextChoices):
    SAAS = "saas", "SaaS and software"
    ECOMMERCE = "ecommerce", "E-commerce"
    MANUFACTURING = "manufacturing", "Manufacturing"
    HEALTHCARE = "healthcare", "Healthcare"
    REAL_ESTATE = "real_estate", "Real estate"
    CONSTRUCTION = "construction", "Construction"
    NONPROFIT = "nonprofit", "Nonprofit"
    PROFESSIONAL_SERVICES = "professional_services", "Professional services"
    HOSPITALITY = "hospitality", "Hospitality and restaurants"
    RETAIL = "retail", "Retail"
    FINTECH = "fintech", "Fintech"
    BIOTECH = "biotech", "Biotech and life sciences"
    LOGISTICS = "logistics", "Logistics and transport"
    ENERGY = "energy", "Energy"
    MEDIA = "media", "Media and entertainment"
    EDUCATION = "education", "Education"
    AGRICULTURE = "agriculture", "Agriculture"
    AUTOMOTIVE = "automotive", "Automotive"
    CONSUMER_GOODS = "consumer_goods", "Consumer goods"
    GOVERNMENT = "government", "Government contracting"


class Service(models.TextChoices):
    FRACTIONAL_CFO = "fractional_cfo", "Fractional CFO"
    FPA = "fpa", "FP&A"
    CASH_FLOW = "cash_flow", "Cash-flow forecasting"
    FUNDRAISING = "fundraising", "Fundraising"
    MNA = "mna", "Mergers and acquisitions"
    BUDGETING = "budgeting", "Budgeting"
    FINANCIAL_MODELING = "financial_modeling", "Financial modelling"
    KPI_DASHBOARDS = "kpi_dashboards", "KPI dashboards"
    TAX_STRATEGY = "tax_strategy", "Tax strategy"
    AUDIT_READINESS = "audit_readiness", "Audit readiness"
    BOARD_REPORTING = "board_reporting", "Board reporting"
    PRICING = "pricing", "Pricing strategy"
    COST_REDUCTION = "cost_reduction", "Cost reduction"
    ERP = "erp", "ERP implementation"
    EXIT_PLANNING = "exit_planning", "Exit planning"
    CONTROLLER = "controller", "Controller services"


class CompanySize(models.TextChoices):
    STARTUP = "startup", "Startup (1-10 people)"
    SMALL = "small", "Small (11-50)"
    MIDSIZE = "midsize", "Mid-size (51-250)"
    LARGE = "large", "Large (251-1,000)"
    ENTERPRISE = "enterprise", "Enterprise (1,000+)"


class Certification(models.TextChoices):
    CPA = "CPA", "Certified Public Accountant"
    CFA = "CFA", "Chartered Financial Analyst"
    CMA = "CMA", "Certified Management Accountant"
    CGMA = "CGMA", "Chartered Global Management Accountant"
    CIA = "CIA", "Certified Internal Auditor"
    CFP = "CFP", "Certified Financial Planner"
    EA = "EA", "Enrolled Agent"
    MBA = "MBA", "Master of Business Administration"


def labels(choices: type[models.TextChoices], codes: list[str]) -> list[str]:
    """Human labels for stored codes, skipping codes that left the vocabulary."""
    lookup = dict(choices.choices)
    return [lookup[code] for code in codes if code in lookup]
