"""The report types: what each is called, its file, and how it is built.

Each type is a `ReportType` registered here under a key (the CLI's TYPE and the `Report`
row's `report_type`). A builder gets a `BuildContext` (the company, the organisation's
parameters, and the ledger frames and spend analysis computed once and shared by every
type built in the same run) and writes the file to a binary stream. Another app adds a type
with `register(ReportType(...))` from its `AppConfig.ready` (Financials will).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import IO, Any

from ledgerlink.insights import (
    NETWORKS,
    LedgerFrames,
    Parameters,
    SpendAnalysis,
    analyse_spend,
    ongoing_insights,
    spend_summary,
)
from ledgerlink.insights.summary import SpendSummary
from ledgerlink.relationships.models import Company
from ledgerlink.reports.writers import (
    write_ongoing_insights,
    write_spend_analysis,
    write_spend_summary,
    write_vendor_match,
)
from ledgerlink.tenancy.models import Organisation

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


class ReportUnavailable(Exception):
    """The data cannot give this report yet (the reason is shown to the user)."""


@dataclass
class BuildContext:
    """One build run: frames and analyses are computed at most once, on first use."""

    organisation: Organisation
    company: Company
    parameters: Parameters
    # Which report settings switch types on (ReportSettings or its defaults).
    enabled: dict[str, bool] = field(default_factory=dict)
    # Loads the ledger: (start, end) or (None, None) for all of it.
    load: Callable[[date | None, date | None], LedgerFrames] | None = None

    @cached_property
    def frames(self) -> LedgerFrames:
        """The frames a report of the period needs."""
        assert self.load is not None
        return self.load(self.parameters.window_start, self.parameters.end)

    @cached_property
    def all_frames(self) -> LedgerFrames:
        assert self.load is not None
        return self.load(None, None)

    @cached_property
    def analysis(self) -> SpendAnalysis:
        return analyse_spend(self.frames, self.parameters)

    @cached_property
    def summary(self) -> SpendSummary:
        return spend_summary(self.analysis)

    def release(self) -> None:
        """Forget the period's frames and analysis (before loading the whole ledger)."""
        for name in ("frames", "analysis", "summary"):
            self.__dict__.pop(name, None)


Builder = Callable[[BuildContext, IO[bytes]], dict[str, Any]]


@dataclass(frozen=True)
class ReportType:
    key: str
    label: str
    extension: str
    content_type: str
    build: Builder
    # Built automatically after each sync or import (Ongoing Insights is too, and again
    # every quarter for its subscribers).
    automatic: bool = True
    # Types sharing the period's analysis come first; a type reading the whole ledger last.
    build_order: int = 0
    # The organisation setting that switches the type on (None: always on).
    setting: str | None = None
    description: str = ""

    def enabled_for(self, enabled: dict[str, bool]) -> bool:
        return self.setting is None or enabled.get(self.setting, True)

    def filename(self, company_name: str, day: date) -> str:
        safe = "".join(c if c.isalnum() or c in " -_" else "" for c in company_name).strip()
        safe = "-".join(safe.split())[:80] or "company"
        return f"{safe}-{self.key}-{day:%Y-%m-%d}.{self.extension}"


_REGISTRY: dict[str, ReportType] = {}


def register(report_type: ReportType) -> None:
    _REGISTRY[report_type.key] = report_type


def get(key: str) -> ReportType:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise KeyError(f"unknown report type {key!r}") from None


def all_types() -> list[ReportType]:
    return list(_REGISTRY.values())


def type_keys() -> list[str]:
    return list(_REGISTRY)


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def summary_figures(summary: SpendSummary) -> dict[str, Any]:
    """The headline figures the company page shows (JSON-safe: amounts as text)."""
    return {
        "currency": summary.base_currency,
        "start": summary.start.isoformat(),
        "end": summary.end.isoformat(),
        "months_reviewed": str(summary.months_reviewed),
        "total_spend": money(summary.total_spend),
        "cardable_spend": money(summary.cardable_spend),
        "cashback": money(summary.cashback),
        "time_saved_value": money(summary.time_saved_value),
        "annual_card_benefits": money(summary.annual_card_benefits),
        "cardable_suppliers": summary.cardable_suppliers,
        "top_suppliers": [
            {
                "name": o.name,
                "annual_spend": money(o.annual_spend),
                "terms_days": o.common_terms_days,
                "method": o.current_method,
            }
            for o in summary.top_opportunities
        ],
    }


def _spend_analysis(ctx: BuildContext, out: IO[bytes]) -> dict[str, Any]:
    write_spend_analysis(ctx.analysis, out)
    facts = ctx.analysis.customer
    return {
        "bills": facts.bills_count,
        "payments": facts.payments_count,
        "expenses": facts.expenses_count,
        "suppliers": facts.suppliers_count,
        "total_spend": money(facts.total_spend),
    }


def _spend_summary(ctx: BuildContext, out: IO[bytes]) -> dict[str, Any]:
    write_spend_summary(
        ctx.summary,
        out,
        org_name=ctx.organisation.name,
        brand_colour=ctx.organisation.primary_colour,
    )
    return summary_figures(ctx.summary)


def _ongoing(ctx: BuildContext, out: IO[bytes]) -> dict[str, Any]:
    ctx.release()  # built last: the period's frames are not needed any more
    insights = ongoing_insights(ctx.all_frames, ctx.parameters)
    if insights is None:
        raise ReportUnavailable("Needs a full quarter of data.")
    write_ongoing_insights(insights, out)
    q = insights.quarters
    return {
        "latest_start": q.latest_start.isoformat(),
        "latest_end": q.latest_end.isoformat(),
        "new_suppliers": insights.new_suppliers.height,
    }


def _vendor(network: str) -> Builder:
    def build(ctx: BuildContext, out: IO[bytes]) -> dict[str, Any]:
        write_vendor_match(ctx.analysis, network, out)
        return {"suppliers": ctx.analysis.supplier_analysis().height}

    return build


register(ReportType("spend-analysis", "Spend Analysis", "xlsx", XLSX, _spend_analysis))
register(ReportType("spend-summary", "Spend Summary", "pptx", PPTX, _spend_summary))
register(
    ReportType(
        "ongoing-insights",
        "Ongoing Insights",
        "xlsx",
        XLSX,
        _ongoing,
        build_order=1,
        description="Emailed to the company's subscribers every quarter.",
    )
)
_NETWORK_LABELS = {"mastercard": "Mastercard", "visa": "Visa", "wex": "WEX", "paytech": "PayTech"}
for _network in NETWORKS:
    register(
        ReportType(
            _network,
            f"{_NETWORK_LABELS[_network]} vendor match",
            "xlsx",
            XLSX,
            _vendor(_network),
            setting=f"{_network}_enabled",
        )
    )
