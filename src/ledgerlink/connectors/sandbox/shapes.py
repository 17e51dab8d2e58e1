"""The platform's bill, payment and expense records as msgspec structs, for the fast path.

A page of these decodes straight into structs (about half the time `orjson` takes to build
dicts, and cheaper to read and to free). Every field is optional and of any JSON type: the
mappers check values exactly as they check a dict's (see mappers), so a record the structs
take and one they do not map alike. A page that does not fit (a record that is not an
object, say) is parsed into dicts instead. Names are the platform's (camelCase) ones.
"""

from __future__ import annotations

from typing import Any

import msgspec


class BillLine(msgspec.Struct, rename="camel"):
    description: Any = None
    account_id: Any = None
    amount: Any = None
    tax_amount: Any = None


class Bill(msgspec.Struct, rename="camel"):
    id: Any = None
    supplier_id: Any = None
    number: Any = None
    issue_date: Any = None
    due_date: Any = None
    currency: Any = None
    fx_rate: Any = None
    total: Any = None
    amount_due: Any = None
    status: Any = None
    lines: list[BillLine] | None = None
    updated_at: Any = None
    deleted: Any = None


class Settlement(msgspec.Struct, rename="camel"):
    bill_id: Any = None
    amount: Any = None


class BillPayment(msgspec.Struct, rename="camel"):
    id: Any = None
    supplier_id: Any = None
    date: Any = None
    currency: Any = None
    fx_rate: Any = None
    amount: Any = None
    payment_method: Any = None
    paid_from_account_id: Any = None
    reference: Any = None
    allocations: list[Settlement] | None = None
    updated_at: Any = None
    deleted: Any = None


class Expense(msgspec.Struct, rename="camel"):
    id: Any = None
    supplier_id: Any = None
    payee: Any = None
    date: Any = None
    currency: Any = None
    fx_rate: Any = None
    amount: Any = None
    payment_method: Any = None
    paid_from_account_id: Any = None
    account_id: Any = None
    reference: Any = None
    updated_at: Any = None
    deleted: Any = None


class BillPage(msgspec.Struct):
    data: list[Bill]
    next_cursor: Any = None


class BillPaymentPage(msgspec.Struct):
    data: list[BillPayment]
    next_cursor: Any = None


class ExpensePage(msgspec.Struct):
    data: list[Expense]
    next_cursor: Any = None


# endpoint → decoder of its pages
DECODERS: dict[str, msgspec.json.Decoder[Any]] = {
    "bills": msgspec.json.Decoder(BillPage),
    "bill-payments": msgspec.json.Decoder(BillPaymentPage),
    "expenses": msgspec.json.Decoder(ExpensePage),
}
RECORD_TYPES = (Bill, BillPayment, Expense)


def as_dict(record: Any) -> Any:
    """A struct as the dict `orjson` would have made of its record (fields it does not
    know left out); anything else as it is."""
    if isinstance(record, msgspec.Struct):
        return msgspec.to_builtins(record)
    return record
