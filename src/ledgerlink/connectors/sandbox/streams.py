"""Reading one data type from the sandbox as pages, resumable from an opaque cursor."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from operator import attrgetter, methodcaller
from typing import Any

import msgspec
import orjson

from ledgerlink.connectors.base import FetchContext, Page, PermanentError, RetryableError
from ledgerlink.connectors.sandbox.client import SandboxApi, parse_json
from ledgerlink.connectors.sandbox.shapes import DECODERS, RECORD_TYPES
from ledgerlink.ledger.records import DataType

# Our data types → the platform's endpoints (statements come from two reports).
ENDPOINTS: dict[str, tuple[str, ...]] = {
    DataType.COMPANY_INFO: ("company",),
    DataType.ACCOUNTS: ("accounts",),
    DataType.SUPPLIERS: ("suppliers",),
    DataType.BILLS: ("bills",),
    DataType.BILL_PAYMENTS: ("bill-payments",),
    DataType.EXPENSES: ("expenses",),
    DataType.STATEMENTS: ("reports/profit-and-loss", "reports/balance-sheet"),
}
STATEMENT_KIND = {"reports/profit-and-loss": "pl", "reports/balance-sheet": "bs"}
# The platform's own spelling of times. Equal-length stamps in it sort as the times do, so
# the latest of a page is found by comparing text and parsing one.
_STAMP = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z"  # 24 characters
STAMP = re.compile(_STAMP).fullmatch
_STAMPS = re.compile(f"(?:{_STAMP})*").fullmatch
_UPDATED_AT = methodcaller("get", "updatedAt")
_STRUCT_UPDATED_AT = attrgetter("updated_at")


def usual_stamps(stamps: list[Any]) -> bool:
    """Whether every value is a timestamp in the platform's usual spelling (`STAMP`): one
    regex run over the values joined, each of them 24 characters long."""
    try:
        joined = "".join(stamps)
    except TypeError:  # not text
        return False
    return set(map(len, stamps)) <= {24} and _STAMPS(joined) is not None


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 timestamp as an aware UTC datetime, or None if it is not one."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _encode(phase: int, api_cursor: str) -> str:
    return f"{phase}:{api_cursor}"


TOTALS_SECTION = "Totals"
# The platforms' names for their own results, as the key the financials tie-out reads.
_TOTAL_KEYS = {"net profit": "netProfit", "net income": "netProfit", "net loss": "netProfit"}


def total_key(label: str) -> str:
    """ "Net Profit" (Xero), "Net Income" (QuickBooks) → "netProfit"; other labels unchanged."""
    return _TOTAL_KEYS.get(" ".join(label.casefold().split()), label)


def _decode(cursor: str | None, phases: int) -> tuple[int, str]:
    if not cursor:
        return 0, ""
    phase, sep, api_cursor = cursor.partition(":")
    if not sep or not phase.isdigit() or int(phase) >= phases:
        raise PermanentError(f"the saved sandbox cursor {cursor[:40]!r} is not valid")
    return int(phase), api_cursor


def flatten_statement(report: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """One report (a month of P&L or a balance sheet) → one record per row.

    A report that is not in the expected shape is passed on whole, so mapping reports it
    as a problem record instead of it silently vanishing.
    """
    rows = report.get("rows")
    report_id = report.get("id")
    if (
        report.get("deleted") is True
        or not isinstance(rows, list)
        or not isinstance(report_id, str)
    ):
        return [report]
    lines = []
    for n, row in enumerate(rows):
        if not isinstance(row, dict):
            lines.append({"id": f"{report_id}:row-{n}", "statement": kind, "_row": row})
            continue
        account = row.get("accountId")
        key = account if isinstance(account, str) and account else f"row-{n}"
        lines.append(
            {
                "id": f"{report_id}:{key}",
                "statement": kind,
                "reportId": report_id,
                "periodStart": report.get("periodStart"),
                "periodEnd": report.get("periodEnd"),
                "currency": report.get("currency"),
                "section": row.get("section"),
                "accountId": account,
                "accountName": row.get("accountName"),
                "amount": row.get("amount"),
                "updatedAt": report.get("updatedAt"),
            }
        )
    # The platform's own totals (net profit, total assets …) ride along as lines of section
    # "Totals" without an account, so statements can be tied out to them.
    totals = report.get("totals")
    if isinstance(totals, dict):
        for name, amount in totals.items():
            lines.append(
                {
                    "id": f"{report_id}:total-{name}",
                    "statement": kind,
                    "reportId": report_id,
                    "periodStart": report.get("periodStart"),
                    "periodEnd": report.get("periodEnd"),
                    "currency": report.get("currency"),
                    "section": TOTALS_SECTION,
                    "accountId": None,
                    "accountName": name,
                    "amount": amount,
                    "updatedAt": report.get("updatedAt"),
                }
            )
    return lines


def _stamp(item: Any) -> Any:
    if isinstance(item, dict):
        return item.get("updatedAt")
    return item.updated_at if isinstance(item, RECORD_TYPES) else None


def latest(items: list[Any]) -> tuple[datetime, str] | None:
    """The time and text of the first item with the latest valid `updatedAt`, if any."""
    kinds = set(map(type, items))
    if kinds <= {dict}:
        stamps: list[Any] = list(map(_UPDATED_AT, items))
    elif len(kinds) == 1 and kinds <= set(RECORD_TYPES):
        stamps = list(map(_STRUCT_UPDATED_AT, items))
    else:
        stamps = [stamp for item in items if (stamp := _stamp(item)) is not None]
    if stamps and usual_stamps(stamps):
        top = max(stamps)
        moment = parse_time(top)
        if moment is not None:
            return moment, top
    found: tuple[datetime, str] | None = None
    for item in items:
        seen = parse_time(_stamp(item))
        if seen is not None and (found is None or seen > found[0]):
            found = (seen, str(_stamp(item)))
    return found


def _page_body(body: Any, endpoint: str) -> tuple[list[Any], str | None]:
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise RetryableError(f"sandbox sent a page without a data list from {endpoint}")
    return body["data"], _checked_cursor(body.get("next_cursor"), endpoint)


def _checked_cursor(next_cursor: Any, endpoint: str) -> str | None:
    if next_cursor is not None and (not isinstance(next_cursor, str) or not next_cursor):
        raise RetryableError(f"sandbox sent an unusable next_cursor from {endpoint}")
    return next_cursor


def page_items(content: bytes, endpoint: str) -> tuple[list[Any], str | None]:
    """A page's records and next cursor: bills, payments and expenses as structs (see
    shapes) when the whole page fits them, otherwise (and for the rest) as dicts."""
    decoder = DECODERS.get(endpoint)
    if decoder is not None:
        try:
            page = decoder.decode(content)
        except msgspec.MsgspecError:
            pass  # not in the usual shape: read as dicts, which tells what is wrong
        else:
            return page.data, _checked_cursor(page.next_cursor, endpoint)
    return _page_body(parse_json(content, f"/api/v1/{endpoint}"), endpoint)


class _Request:
    """One request sent from a background thread (its result or error kept for later)."""

    def __init__(self, call: Callable[[], bytes]) -> None:
        self._call = call
        self._result: bytes = b""
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sandbox-next-page", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = self._call()
        except BaseException as error:  # handed to whoever needs the page
            self._error = error

    def result(self) -> bytes:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result


def next_cursor_hint(content: bytes) -> str | None:
    """The `next_cursor` at the end of a page's body, read without parsing the page (the
    platform writes it last). A guess: checked against the parsed body before it counts."""
    at = content.rfind(b'"next_cursor":')
    tail = content[at + 14 :].rstrip() if at >= 0 else b""
    if not tail.endswith(b"}"):
        return None
    try:
        value = orjson.loads(tail[:-1])
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, str) and value else None


def fetch(api: SandboxApi, context: FetchContext, page_size: int) -> Iterator[Page]:
    """Pages of one data type; each page's cursor resumes right after it.

    The platform makes a page while we parse the one before: as soon as a page's bytes have
    arrived, the next page is asked for with the cursor at the end of the body; if the
    parsed body names another cursor, that request is dropped and the right one sent.
    Errors reach the caller in page order, as without the overlap.
    """
    endpoints = ENDPOINTS.get(context.data_type)
    if endpoints is None:
        raise PermanentError(f"the sandbox has no data type {context.data_type!r}")
    phase, api_cursor = _decode(context.cursor, len(endpoints))
    high = parse_time(context.modified_since)
    watermark = context.modified_since if high is not None else None

    def request(phase: int, api_cursor: str) -> bytes:
        params: dict[str, str | int] = {"page_size": page_size}
        if api_cursor:
            params["cursor"] = api_cursor
        if context.modified_since:
            params["modified_since"] = context.modified_since
        return api.get_bytes(
            f"/api/v1/{endpoints[phase]}",
            access_token=context.token.access_token,
            tenant_id=context.tenant_id,
            params=params,
        )

    ahead: tuple[int, str, _Request] | None = None
    while True:
        endpoint = endpoints[phase]
        if ahead is not None and ahead[:2] == (phase, api_cursor):
            content = ahead[2].result()
        else:
            content = request(phase, api_cursor)
        ahead = None
        hint = next_cursor_hint(content)
        if hint is not None:
            ahead = (phase, hint, _Request(functools.partial(request, phase, hint)))
        items, next_api = page_items(content, endpoint)
        del content
        records: list[Any]
        if endpoint not in STATEMENT_KIND and (
            set(map(type, items)) <= {dict}
            or (endpoint in DECODERS and items and isinstance(items[0], RECORD_TYPES))
        ):
            records = items
        else:
            records = []
            for item in items:
                if not isinstance(item, dict):
                    records.append({"_not_an_object": repr(item)[:200]})
                elif endpoint in STATEMENT_KIND:
                    records.extend(flatten_statement(item, STATEMENT_KIND[endpoint]))
                else:
                    records.append(item)
        page_high = latest(items)
        if page_high is not None and (high is None or page_high[0] > high):
            high, watermark = page_high
        if next_api is not None:
            cursor: str | None = _encode(phase, next_api)
        elif phase + 1 < len(endpoints):
            cursor = _encode(phase + 1, "")
        else:
            cursor = None
        yield Page(records=records, next_cursor=cursor, watermark=watermark)
        if cursor is None:
            return
        phase, api_cursor = _decode(cursor, len(endpoints))
