"""Reading a client's free text for what it implies: industries, services, company size
and monthly budget, in the product's own vocabularies (apps/marketplace/vocabulary.py).

Two readers, combined:
- keyword rules: each label has the everyday words clients use for it ("app", "software",
  "subscription" -> SaaS; "investors", "raise" -> Fundraising). A rule that fires is
  strong evidence.
- nearest label by embedding: the need and each label's description (label + its words)
  are embedded with the matcher's embedder; when no rule names an industry or a service,
  the nearest label counts if it is close enough (LABEL_MIN_SIMILARITY, chosen on the
  evaluation's development half).

The result is shown to the client ("we understood: ...") and editable, and it weighs in
the match score as soft preferences, never as hard filters (apps/marketplace/matching.py).
The keyword lists are product vocabulary written from how clients talk, not from the
evaluation's needs (apps/marketplace/evaluation/), which are kept apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import numpy as np

from apps.marketplace.embedding import embedder_get
from apps.marketplace.vocabulary import CompanySize, Industry, Service, labels

MAX_INDUSTRIES = 2
MAX_SERVICES = 3
LABEL_MIN_SIMILARITY = 0.35

INDUSTRY_WORDS: dict[str, str] = {
    Industry.SAAS: "saas|software|subscription software|app|apps|platform|cloud|b2b software"
                   "|recurring revenue|arr|mrr|tech startup|developer tools"
                   "|online tool|web app|mobile app|licen[cs]es? for our|signups|subscribers?|saas",
    Industry.ECOMMERCE: "e-commerce|ecommerce|online store|online shop|webshop|shopify|amazon"
                        "|sell online|selling online|direct-to-consumer|direct to consumer|dtc|d2c"
                        "|our website|from our site|web store|etsy|online orders?|orders online"
                        "|3pl",
    Industry.MANUFACTURING: "factory|factories|plant|manufactur\\w*|production line|machine shop"
                            "|fabricat\\w*|assembly line|foundry"
                            "|we make|we produce|makes? (industrial|custom)|molders?|molding"
                            "|injection|machin(ing|ist)|sheet metal|cabinets?|pumps|components"
                            "|parts maker|welding|printing plant|mill",
    Industry.HEALTHCARE: "clinic|clinics|hospital|hospitals|medical|physician\\w*|doctor\\w*"
                         "|dental|dentist\\w*|patients?|health ?care|therapy|therapists?"
                         "|home health|nursing"
                         "|pediatric\\w*|physical therap\\w*|chiropract\\w*|medical practices?"
                         "|urgent care|optometr\\w*|pharmac(y|ies)|veterinar\\w*|vet clinic"
                         "|insurers|medicare|medicaid|senior living|assisted living",
    Industry.REAL_ESTATE: "real estate|propert(y|ies)|rental\\w*|landlords?|apartments?"
                          "|buildings|tenants|reit|multifamily"
                          "|apartment units|rental units|townhomes?|condos?|flip houses|houses"
                          "|rent roll|portfolio of|self[- ]storage|office parks?|commercial space"
                          "|property management",
    Industry.CONSTRUCTION: "construction|contractors?|builders?|job sites?|subcontractors?"
                           "|remodel\\w*|homebuild\\w*|excavation|roofing"
                           "|electrical contractor|plumb\\w*|hvac|general contractor|renovations?"
                           "|backlog|bids?|striping|paving|concrete|framing|landscap\\w*",
    Industry.NONPROFIT: "non-?profits?|charit(y|ies|able)|foundation|donors?|grants?|ministry"
                        "|volunteers?"
                        "|rescue|shelter|church|churches|mission|trustees|donations?|gala"
                        "|fundraisers?|food bank|youth|community organization|association",
    Industry.PROFESSIONAL_SERVICES: "agency|agencies|law firm|consultanc\\w*|consulting firm"
                                    "|architects?|engineering firm|billable|partners? in the firm"
                                    "|law firms?|lawyers?|attorneys?|architecture|design studio"
                                    "|marketing firm|accounting firm|it support|it services"
                                    "|staffing|recruit\\w*|advisory firm",
    Industry.HOSPITALITY: "restaurants?|hotels?|cafes?|bars?|catering|kitchens?|diners?"
                          "|coffee shops?|bakery|bakeries|food service|motels?"
                          "|tacos?|burgers?|sushi|food trucks?|brewpubs?|pubs?|bistros?|pizz\\w*"
                          "|taprooms?|breweries|brewery|inns?|resorts?|bed and breakfast|b&b"
                          "|event venues?|wedding venues?|menus?",
    Industry.RETAIL: "retail\\w*|shops|boutiques?|stores|storefronts?|malls?|brick and mortar"
                     "|bookstores?|shoe stores|store locations|same-store|franchise stores"
                     "|outlets?|gift shops?|hardware stores?|pharmacy chain",
    Industry.FINTECH: "fintech|payments?|lending|lenders?|neobank|crypto\\w*|card issuing"
                      "|loans platform|money transmi\\w*|insurtech"
                      "|card payments|payment processing|processes payments|money-management"
                      "|personal finance app|banking app|pay-over-time|buy now pay later|bnpl"
                      "|remittances?|wallet",
    Industry.BIOTECH: "biotech\\w*|clinical trials?|drugs?|pharma\\w*|life sciences?|labs?"
                      "|therapeutics|fda|molecules?|medical devices?"
                      "|gene therap\\w*|cell therap\\w*|research outfit|preclinical|assays?"
                      "|diagnostics|antibod\\w*|vaccines?|research lab",
    Industry.LOGISTICS: "trucking|trucks|freight|fleet|warehous\\w*|shipping|delivery"
                        "|deliveries|3pl|logistics|couriers?|haul\\w*|carriers?"
                        "|vans|last-mile|moving company|movers|dispatch|routes|shipments|cargo"
                        "|forwarders?|distribution center",
    Industry.ENERGY: "solar|wind farms?|wind|oil|gas wells?|energy|power plants?|utilit(y|ies)"
                     "|batter(y|ies)|renewables?|drilling"
                     "|propane|heating oil|electricity|power|ev charging|charging stations?"
                     "|geothermal|hydro\\w*|pipelines?",
    Industry.MEDIA: "studios?|films?|movies?|publish\\w*|podcasts?|media|music|streaming"
                    "|magazines?|tv|television|newsletters?|advertising revenue"
                    "|newspapers?|radio|video production|youtube|games?|gaming|record label"
                    "|label owner|royalt(y|ies)|concerts?|theat(er|re) productions?"
                    "|content creators?",
    Industry.EDUCATION: "schools?|universit(y|ies)|colleges?|tuition|students?|edtech"
                        "|education\\w*|tutoring|teachers?|academ(y|ies)"
                        "|childcare|child care|daycares?|preschools?|kindergarten|k-\\d+"
                        "|learning centers?|online courses|training programs?|bootcamps?"
                        "|enrollment",
    Industry.AGRICULTURE: "farms?|farming|farmers?|crops?|harvest|ranch\\w*|orchards?|dairy"
                          "|vineyards?|grain|cattle|growers?|co-?op"
                          "|cows|acres|feed|seed corn|irrigation|greenhouses?|nurser(y|ies)"
                          "|wineries|winery|livestock|poultry|eggs|hogs",
    Industry.AUTOMOTIVE: "car dealers?\\w*|dealerships?|auto parts|vehicles?|automotive"
                         "|car wash\\w*|body shops?|cars"
                         "|used car|car lot|auto repair|mechanics?|tires?|collision|ev dealer\\w*"
                         "|motorcycles?|rv dealer\\w*",
    Industry.CONSUMER_GOODS: "consumer brands?|consumer products?|cpg|snacks?|beverages?|drinks"
                             "|packaged food|cosmetics|skincare|grocery|supermarkets?"
                             "|food brand|retailers' shelves|shelf space"
                             "|co-?packers?|brand in|our brand|grocery stores|treats|sauces?"
                             "|apparel brand|supplements|pet food|toys|household products"
                             "|sold in stores|wholesale accounts",
    Industry.GOVERNMENT: "federal contracts?|government contract\\w*|government|defen[cs]e"
                         "|dcaa|gsa|public sector|agencies' contracts|military"
                         "|federal agenc(y|ies)|state agenc(y|ies)|the state pays|dot"
                         "|department of|municipal\\w*|count(y|ies)|city contracts|public works"
                         "|prime contractor|subcontract(s|ing) for the|set-aside|8\\(a\\)"
                         "|gsa schedule",
}

SERVICE_WORDS: dict[str, str] = {
    Service.FRACTIONAL_CFO: "cfo|part-time finance|finance chief|head of finance"
                            "|finance leader|finance person|someone senior"
                            "|senior finance|finance exec\\w*|finance head|finance partner"
                            "|numbers partner|seasoned finance|a few days a month|days? a month"
                            "|days? (a|per) week|part[- ]time senior|strategic help"
                            "|outgrown our (accountant|bookkeeper)",
    Service.FPA: "forecast\\w*|projections?|plan for next year|planning|variance\\w*"
                 "|budget versus actual|budget vs actual|fp&a|what-if"
                 "|plan-vs-actual|plan vs actual|where we land|spend vs plan|versus plan"
                 "|annual plan|rolling",
    Service.CASH_FLOW: "cash|runway|burn|liquidity|pay the bills|make payroll|working capital"
                       "|line of credit|money runs out|running out of money|get paid|paid late"
                       "|see (this|what's|what is) coming|months ahead|account is (nearly "
                       "|almost )?empty|near zero|tight|bounced?|missing payroll|miss payroll"
                       "|pay in \\d+|net \\d+|settlement|operating loan|cash crunch|float"
                       "|upcoming",
    Service.FUNDRAISING: "raise|raising|investors?|investor-ready|funding|venture capital|vcs?"
                         "|series [abc]|seed round|equity|angels?|pitch|capital"
                         "|seed round|funding round|next round|the round|raise money"
                         "|outside money|backers|loan application|sba loan|debt financing"
                         "|financing",
    Service.MNA: "acquir\\w*|acquisitions?|merg\\w*|buy (a|another|two|the) \\w+|buying"
                 "|due diligence|roll-?ups?|divest\\w*|carve-?outs?|combine with"
                 "|wants? to buy (us|our|my)|buy us|offers? (on the table|to buy)"
                 "|letter of intent|loi|earn-?out|combining|merge|combine|another firm"
                 "|portfolio from|purchase of|buy (the|a) (neighbo\\w*|competitor\\w*|local \\w+)"
                 "|valuing it|is (their|the) (number|price|offer) fair",
    Service.BUDGETING: "budget\\w*|spending plan|overspend\\w*|allocat\\w*"
                       "|spending limits|limits per|plan our spending|annual spend"
                       "|how much we can spend",
    Service.FINANCIAL_MODELING: "models?|modell?ing|pro formas?|scenarios?|spreadsheet of"
                                "|valuation|waterfall|returns to investors"
                                "|run the numbers|comparing (both|two|the) options|breakeven"
                                "|break-even|what would happen if|build cost|investor returns"
                                "|worth it",
    Service.KPI_DASHBOARDS: "dashboards?|kpis?|metrics|churn|retention|numbers at a glance"
                            "|scorecard|key numbers"
                            "|one screen|one page|every monday|at a glance|weekly numbers"
                            "|repeat buyers|return rate|same-store",
    Service.TAX_STRATEGY: "tax\\w*|irs|credits|deductions?|write-offs?|1031|depreciation"
                          "|s ?corp|llc|entity|tips|fica|r&d credits?|withholding|lifo|sales tax"
                          "|nexus",
    Service.AUDIT_READINESS: "audit\\w*|controls|compliance|compliant|gaap|revenue recognition"
                             "|sox|soc ?[12]|examin\\w*|inspection"
                             "|examined by|reviewed financial statements|clean books for"
                             "|outside cpa|single audit|due diligence ready",
    Service.BOARD_REPORTING: "board|boards|investor updates?|lenders?|bank covenants?"
                             "|covenants?|monthly reporting|report to"
                             "|directors|trustees|investor meetings|quarterly (update|package"
                             "|report)s?|monthly package|package for|update (for|to) (our "
                             "|the )?(investors|owners|partners|family)",
    Service.PRICING: "pric\\w*|what to charge|charging|discounts?|margins? per|rates we bid"
                     "|promotions?|profitable customers"
                     "|quote jobs|quoting|how (much|should) (we|i) charge|fixed fees"
                     "|hourly billing|underpric\\w*|overcharg\\w*",
    Service.COST_REDUCTION: "cut costs|costs? (keep )?(rising|going up|too high)|reduce costs"
                            "|overheads?|savings|expenses|spending too much|waste|leaner"
                            "|margins? (halved|shrinking|falling|thin)|profit (is )?gone|leak"
                            "|cheaper|per-unit cost|cost per|costs? per mile|eating (us|margin)"
                            "|creeping|crept up",
    Service.ERP: "erp|netsuite|new system|accounting system|software system|spreadsheets"
                 "|quickbooks|migrat\\w*|implementation|switch systems"
                 "|systems|software to run|inventory system|one system|disconnected"
                 "|tools don't talk",
    Service.EXIT_PLANNING: "sell (the|our|my) (company|business|firm)|exit|retir\\w*"
                           "|succession|buyers?|hand over|step back|sale of"
                           "|want out|sell within|sell in \\d|selling in|sale in|no kids"
                           "|none of (my|our) kids|next generation|what is it worth"
                           "|private equity|strategic buyers",
    Service.CONTROLLER: "books|bookkeep\\w*|month-end|month end|close|reconcil\\w*|payroll"
                        "|accounting|invoices|job cost\\w*|controller"
                        "|bookkeeper|closing the books|cleanup|clean up the books|general ledger"
                        "|accounts payable|accounts receivable",
}

_SIZE_WORDS = (
    (CompanySize.STARTUP, r"just (me|us)|solo founder|founders? only|pre-revenue|startup|start-up"),
    (CompanySize.SMALL, r"small business|small team|family business|small (company|firm)"),
    (CompanySize.LARGE, r"hundreds of (people|employees|staff)|several hundred"),
    (CompanySize.ENTERPRISE, r"enterprise|thousands of (people|employees|staff)|multinational"),
)
_HEADCOUNT = re.compile(r"\b(\d[\d,]*)\s*(?:people|persons?|employees|staff|person team|"
                        r"workers|full[- ]time|ftes?|team members)\b")
_BUDGET = re.compile(
    r"\$\s?(\d[\d,]*(?:\.\d+)?)\s*(k\b)?\s*(?:(?:a|per|/|each)\s*(?:month|mo)\b|monthly)"
    r"|(\d[\d,]*)\s*(k\b)?\s*(?:dollars|usd)\s*(?:a|per|/)\s*month", re.IGNORECASE)

_BUDGET_STATED = re.compile(r"\b(?:our |my |the |a )?budget\w*\s*(?:is|of|:)?\s*"
                            r"(?:about|around|roughly|up to)?\s*(?=\$|\d)", re.IGNORECASE)


@dataclass(frozen=True)
class Understanding:
    industries: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    company_size: str | None = None
    budget: Decimal | None = None

    def summary(self) -> list[str]:
        """Human labels, in the order shown: "SaaS and software", "Fundraising", ..."""
        items = labels(Industry, list(self.industries)) + labels(Service, list(self.services))
        if self.company_size:
            items += labels(CompanySize, [self.company_size])
        if self.budget is not None:
            items.append(f"about ${self.budget:,.0f} a month")
        return items


@lru_cache(maxsize=1)
def _rules() -> tuple[list[tuple[str, re.Pattern]], list[tuple[str, re.Pattern]]]:
    def compile_all(words: dict[str, str]) -> list[tuple[str, re.Pattern]]:
        return [(str(code), re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE))
                for code, pattern in words.items()]
    return compile_all(INDUSTRY_WORDS), compile_all(SERVICE_WORDS)


@lru_cache(maxsize=4)
def _label_vectors(embedder_name: str) -> tuple[np.ndarray, np.ndarray]:
    """One row per label: the label and its words, embedded (built once per embedder)."""
    def describe(choices, words: dict[str, str]) -> list[str]:
        return [f"{label}: " + re.sub(r"\\\w\*|\?|\(|\)|\[|\]", "", words[code]).replace("|", ", ")
                for code, label in choices.choices]
    embedder = embedder_get()
    return (embedder.embed(describe(Industry, INDUSTRY_WORDS)),
            embedder.embed(describe(Service, SERVICE_WORDS)))


def _rule_hits(text: str, rules: list[tuple[str, re.Pattern]], limit: int) -> list[str]:
    counts = [(len(pattern.findall(text)), code) for code, pattern in rules]
    ranked = sorted(((n, code) for n, code in counts if n), key=lambda item: -item[0])
    return [code for _, code in ranked[:limit]]


def _nearest(vector: np.ndarray, matrix: np.ndarray, codes: list[str],
             minimum: float) -> list[str]:
    similarities = matrix @ vector
    best = int(np.argmax(similarities))
    return [codes[best]] if similarities[best] >= minimum else []


def _size(text: str) -> str | None:
    match = _HEADCOUNT.search(text)
    if match:
        people = int(match.group(1).replace(",", ""))
        for limit, code in ((10, "startup"), (50, "small"), (250, "midsize"), (1000, "large")):
            if people <= limit:
                return code
        return "enterprise"
    for code, pattern in _SIZE_WORDS:
        if re.search(rf"\b(?:{pattern})\b", text, re.IGNORECASE):
            return str(code)
    return None


def _budget(text: str) -> Decimal | None:
    match = _BUDGET.search(text)
    if not match:
        return None
    amount, thousands = (match.group(1), match.group(2)) if match.group(1) else \
        (match.group(3), match.group(4))
    value = Decimal(amount.replace(",", ""))
    return (value * 1000 if thousands else value).quantize(Decimal("1"))


def needs_understand(text: str, *, min_similarity: float = LABEL_MIN_SIMILARITY
                     ) -> Understanding:
    """What the free text implies, in vocabulary codes. Empty text implies nothing."""
    if not text.strip():
        return Understanding()
    industry_rules, service_rules = _rules()
    budget = _budget(text)
    # "our budget is $3k a month" states a budget; it does not ask for budgeting help.
    topic_text = _BUDGET_STATED.sub(" ", text)
    industries = _rule_hits(topic_text, industry_rules, MAX_INDUSTRIES)
    services = _rule_hits(topic_text, service_rules, MAX_SERVICES)
    if not industries or not services:
        embedder = embedder_get()
        vector = embedder.embed([text])[0]
        industry_matrix, service_matrix = _label_vectors(embedder.name)
        if not industries:
            industries = _nearest(vector, industry_matrix, list(Industry.values), min_similarity)
        if not services:
            services = _nearest(vector, service_matrix, list(Service.values), min_similarity)
    return Understanding(industries=tuple(sorted(industries)), services=tuple(sorted(services)),
                         company_size=_size(text), budget=budget)
