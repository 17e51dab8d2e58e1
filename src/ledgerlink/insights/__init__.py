"""Pure spend insights: Polars frames of the ledger in, figures out. No Django, no I/O.

The public API:

- `LedgerFrames` (`frames.py`): the input frames and their schemas.
- `Parameters`, `CashbackTier` (`parameters.py`): period and report settings.
- `analyse_spend` → `SpendAnalysis` (`spend.py`): Customer, Entity Spend Breakdown, Spend
  Analysis, Supplier Analysis and the raw tabs.
- `spend_summary` → `SpendSummary` (`summary.py`): cardable spend, cashback, time saved,
  annual card benefits, top opportunities.
- `ongoing_insights` → `OngoingInsights | None` (`ongoing.py`): latest quarter against the
  prior one, new suppliers.
- `vendor_match` (`vendor_match.py`): the rows of the Mastercard, Visa, WEX, PayTech files.
- `load_keywords`, `infer_methods` (`methods.py`): payment-method inference.
"""

from ledgerlink.insights.frames import LedgerFrames, conform
from ledgerlink.insights.methods import (
    GROUPS,
    METHODS,
    Keywords,
    infer_methods,
    load_keywords,
)
from ledgerlink.insights.ongoing import OngoingInsights, Quarters, ongoing_insights, quarters
from ledgerlink.insights.parameters import NETWORKS, CashbackTier, Parameters, default_period
from ledgerlink.insights.spend import CustomerFacts, SpendAnalysis, analyse_spend
from ledgerlink.insights.summary import Opportunity, SpendSummary, spend_summary
from ledgerlink.insights.vendor_match import vendor_match

__all__ = [
    "GROUPS",
    "METHODS",
    "NETWORKS",
    "CashbackTier",
    "CustomerFacts",
    "Keywords",
    "LedgerFrames",
    "OngoingInsights",
    "Opportunity",
    "Parameters",
    "Quarters",
    "SpendAnalysis",
    "SpendSummary",
    "analyse_spend",
    "conform",
    "default_period",
    "infer_methods",
    "load_keywords",
    "ongoing_insights",
    "quarters",
    "spend_summary",
    "vendor_match",
]
