"""Reading one data type from Xero as pages, resumable from a cursor "phase:page:since".

Paged endpoints ask for the largest page Xero allows (1,000) with `order=UpdatedDateUTC
ASC` and stop at a short page. Pages are keyed by time, not by number: each next page is
page 1 of `If-Modified-Since` = the last record's `UpdatedDateUTC` less a second (whole
seconds, so boundary records are read twice rather than missed: upserts are idempotent).
A record edited during a long read moves to the end of Xero's order; with numbered pages
the records after it would shift back and one would be skipped (and, in a full read,
wrongly marked deleted). Only when a whole page shares one second is the page number
used. Incremental reads start from the watermark, the latest `UpdatedDateUTC` seen.
Statements are re-read in full each time.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ledgerlink.connectors.base import FetchContext, Page, PermanentError, RetryableError
from ledgerlink.connectors.sandbox.streams import parse_time
from ledgerlink.connectors.xero.client import XeroApi
from ledgerlink.ledger.records import DataType

ACCOUNTING = "/api.xro/2.0/"
PAGE_SIZE = 1000
MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


@dataclass(frozen=True)
class Endpoint:
    resource: str  # "Invoices"
    key: str  # the list in the body: "Invoices"
    kind: str  # what mappers call a record of it
    paged: bool = False
    incremental: bool = True
    where: str = ""
    extra: tuple[tuple[str, str], ...] = ()


ENDPOINTS: dict[str, tuple[Endpoint, ...]] = {
    DataType.COMPANY_INFO: (
        Endpoint("Organisation", "Organisations", "organisation", incremental=False),
    ),
    DataType.ACCOUNTS: (Endpoint("Accounts", "Accounts", "account"),),
    DataType.SUPPLIERS: (
        Endpoint(
            "Contacts",
            "Contacts",
            "contact",
            paged=True,
            where="IsSupplier==true",
            extra=(("includeArchived", "true"),),
        ),
    ),
    DataType.BILLS: (
        Endpoint("Invoices", "Invoices", "invoice", paged=True, where='Type=="ACCPAY"'),
    ),
    DataType.BILL_PAYMENTS: (
        Endpoint(
            "Payments", "Payments", "payment", paged=True, where='PaymentType=="ACCPAYPAYMENT"'
        ),
        Endpoint("BatchPayments", "BatchPayments", "batch"),
    ),
    DataType.EXPENSES: (
        Endpoint(
            "BankTransactions", "BankTransactions", "spend", paged=True, where='Type=="SPEND"'
        ),
    ),
    DataType.STATEMENTS: (
        Endpoint("Reports/ProfitAndLoss", "Reports", "pl", incremental=False),
        Endpoint("Reports/BalanceSheet", "Reports", "bs", incremental=False),
    ),
}


def parse_ms(value: Any) -> datetime | None:
    """Xero's `/Date(1552326816230+0000)/` (or ISO 8601) as an aware UTC datetime."""
    if not isinstance(value, str):
        return None
    match = MS_DATE.match(value.strip())
    if match is None:
        return parse_time(value)
    return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def last_month_end(today: date) -> date:
    first = today.replace(day=1)
    return month_end(date.fromordinal(first.toordinal() - 1))


def months_back(end: date, n: int) -> date:
    month = end.month - 1 - n
    return month_end(date(end.year + month // 12, month % 12 + 1, 1))


def _decode(cursor: str | None, phases: int) -> tuple[int, int, str]:
    if not cursor:
        return 0, 1, ""
    phase, _, rest = cursor.partition(":")
    page, _, since = rest.partition(":")
    if not phase.isdigit() or not page.isdigit() or int(phase) >= phases:
        raise PermanentError(f"the saved Xero cursor {cursor[:40]!r} is not valid")
    if since and parse_time(since) is None:
        raise PermanentError(f"the saved Xero cursor {cursor[:40]!r} is not valid")
    return int(phase), int(page), since


def _seconds(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def report_lines(report: Any, kind: str, ends: list[date], currency: str) -> list[dict[str, Any]]:
    """A report's account rows, one record per (row, month column)."""
    if not isinstance(report, dict) or not isinstance(report.get("Rows"), list):
        return [{"_kind": kind, "_malformed": repr(report)[:200]}]
    lines: list[dict[str, Any]] = []

    def walk(rows: list[Any], section: str) -> None:
        for row in rows:
            if not isinstance(row, dict):
                continue
            if row.get("RowType") == "Section":
                walk(row.get("Rows") or [], str(row.get("Title") or section))
            elif row.get("RowType") == "Row":
                cells = row.get("Cells") or []
                for n, end in enumerate(ends, start=1):
                    if n >= len(cells):
                        break
                    lines.append(
                        {
                            "_kind": kind,
                            "section": section,
                            "label": cells[0],
                            "cell": cells[n],
                            "periodEnd": end.isoformat(),
                            "currency": currency,
                        }
                    )

    walk(report["Rows"], "")
    return lines


def _base_currency(api: XeroApi, token: str, tenant: str) -> str:
    body = api.get(ACCOUNTING + "Organisation", access_token=token, tenant_id=tenant)
    orgs = body.get("Organisations") if isinstance(body, dict) else None
    if isinstance(orgs, list) and orgs and isinstance(orgs[0], dict):
        return str(orgs[0].get("BaseCurrency") or "")
    return ""


def fetch(api: XeroApi, context: FetchContext, page_size: int = PAGE_SIZE) -> Iterator[Page]:
    endpoints = ENDPOINTS.get(context.data_type)
    if endpoints is None:
        raise PermanentError(f"Xero has no data type {context.data_type!r}")
    phase, page, after = _decode(context.cursor, len(endpoints))
    since = parse_time(context.modified_since)
    high = since
    token, tenant = context.token.access_token, context.tenant_id
    currency = str(context.options.get("base_currency", ""))
    today = context.options.get("today") or datetime.now(UTC).date()
    while True:
        endpoint = endpoints[phase]
        params: dict[str, str | int] = dict(endpoint.extra)
        if endpoint.where:
            params["where"] = endpoint.where
        if endpoint.paged:
            params.update({"page": page, "pageSize": page_size, "order": "UpdatedDateUTC ASC"})
        ends: list[date] = []
        if endpoint.kind in ("pl", "bs"):
            anchor = last_month_end(today)
            ends = [months_back(anchor, n) for n in range(12)]
            if endpoint.kind == "pl":
                params.update(
                    {
                        "fromDate": anchor.replace(day=1).isoformat(),
                        "toDate": anchor.isoformat(),
                        "periods": 11,
                        "timeframe": "MONTH",
                    }
                )
            else:
                params.update({"date": anchor.isoformat(), "periods": 11, "timeframe": "MONTH"})
        if endpoint.kind in ("pl", "bs", "batch") and not currency:
            currency = _base_currency(api, token, tenant)
        modified_since = after or (
            _seconds(since) if since is not None and endpoint.incremental else ""
        )
        body = api.get(
            ACCOUNTING + endpoint.resource,
            access_token=token,
            tenant_id=tenant,
            params=params,
            modified_since=modified_since,
        )
        items = body.get(endpoint.key) if isinstance(body, dict) else None
        if items is None and isinstance(body, dict) and not body:
            items = []  # 304 Not Modified
        if not isinstance(items, list):
            raise RetryableError(f"Xero sent a {endpoint.resource} answer without {endpoint.key}")
        records: list[dict[str, Any]] = []
        for item in items:
            if ends:
                records.extend(report_lines(item, endpoint.kind, ends, currency))
                continue
            if not isinstance(item, dict):
                records.append({"_kind": endpoint.kind, "_malformed": repr(item)[:200]})
                continue
            if endpoint.kind == "payment" and item.get("BatchPaymentID"):
                continue  # part of a batch payment: stored with its batch
            if endpoint.kind == "batch" and item.get("Type") != "PAYBATCH":
                continue  # a batch of customer receipts
            moment = parse_ms(item.get("UpdatedDateUTC"))
            if moment is not None and (high is None or moment > high):
                high = moment
            item["_kind"] = endpoint.kind
            if endpoint.kind == "batch":
                item["_currency"] = currency
            records.append(item)
        more = endpoint.paged and len(items) >= page_size
        if more:
            last = (
                parse_ms(items[-1].get("UpdatedDateUTC")) if isinstance(items[-1], dict) else None
            )
            following = _seconds(last - timedelta(seconds=1)) if last is not None else ""
            if following and following != modified_since:
                cursor: str | None = f"{phase}:1:{following}"
            else:  # a page all in one second (or without times): the next page by number
                cursor = f"{phase}:{page + 1}:{modified_since}"
        elif phase + 1 < len(endpoints):
            cursor = f"{phase + 1}:1:"
        else:
            cursor = None
        yield Page(records=records, next_cursor=cursor, watermark=stamp(high) if high else None)
        if cursor is None:
            return
        phase, page, after = _decode(cursor, len(endpoints))
