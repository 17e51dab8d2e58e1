"""The hand-computed ledger used across the insight and report tests.

Period 2024-01-01..2024-12-31, base currency GBP.

- Alpha Ltd (S1), paid mostly by card:
  B1 1,000.00 issued 10 Jan, due 9 Feb (30 days), paid in two parts by Amex: P1 600 on 1 Feb
  and P2 400 on 20 Feb, so settled 20 Feb (41 days), paid late.
  B2 500.00 issued 1 Mar, due 31 Mar (30 days), 200.00 still due; P3 300 on 15 Mar from the
  current account with the note "BACS 991" (Bank Transfer, from the note).
  E1 50.00 on 1 Apr, ERP method "CreditCard". E4 -20.00 (a refund, left out).
  Votes: card 3 (1,050), bank transfer 1 (300) → Credit Card.
- Beta GmbH (S2), in euros at the rates recorded:
  B3 EUR 1,000 at 0.85 = 850.00, issued 1 May, due 15 May (14 days); P4 EUR 1,100 at 0.85 =
  935.00 on 10 May (an overpayment: 1,000 allocated), QuickBooks-style "Check" with nothing
  else to go on → Check; settled 10 May (9 days), on time.
  B4 EUR 200 at 0.86 = 172.00, issued 1 Jun, due 31 Jul (60 days), open.
  E2 EUR 0.75 at 0.3 = 0.225 → 0.23 (in doubles 0.75 × 0.3 × 100 is 22.4999… → 0.22), note
  "Paid by cheque 1234".
  Votes: Check 2 → Check. Common terms: 14 and 60 once each → the higher amount, 14.
- Gamma Services (S3): B5 300.00 issued 1 Jul, due 31 Jul, open; no payment → Unknown.
  Left out: B6 void, B7 draft, B8 deleted, B9 issued 31 Dec 2023.
- E3 12.00 to "Corner Shop" (no such supplier) on the Amex → the Credit Card row, no supplier.
- E5 on 2 Jan 2025, after the period.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ledgerlink.insights import LedgerFrames, Parameters
from tests.insights.builders import Ledger

PERIOD = {
    "start": date(2024, 1, 1),
    "end": date(2024, 12, 31),
    "generation_date": date(2025, 1, 15),
}


def params(**overrides: object) -> Parameters:
    values: dict[str, object] = {**PERIOD, "company_id": 1}
    values.update(overrides)
    return Parameters(**values)  # type: ignore[arg-type]


def ledger() -> Ledger:
    book = Ledger()
    book.company(
        legal_name="Acme Trading Limited",
        base_currency="GBP",
        registration_number="01234567",
        tax_number="GB123456789",
        phone="+44 113 496 0000",
        website="https://acme.test",
        addresses=["1 High Street, Leeds LS1 1AA, GB"],
    )
    book.supplier(
        "S1",
        "Alpha Ltd",
        contact_name="Ann Alpha",
        email="ap@alpha.test",
        country="GB",
        postal_code="LS1 1AA",
        phone="0113 496 0001 ext. 12",
        status="active",
    )
    book.supplier("S2", "Beta GmbH", country="Deutschland", tax_number="DE999")
    book.supplier("S3", "Gamma Services", country="US", postal_code="123456789")
    book.supplier("S4", "Dormant Ltd")  # no activity in the period
    book.account("A1", "Business Current Account", type="BANK", payment_account_type="bank")
    book.account("A2", "Amex Gold", type="BANK", payment_account_type="credit_card")

    book.bill("B1", "S1", "2024-01-10", "1000", due="2024-02-09")
    book.bill(
        "B2", "S1", "2024-03-01", "500", due="2024-03-31", amount_due="200", status="partially_paid"
    )
    book.bill("B3", "S2", "2024-05-01", "1000", due="2024-05-15", currency="EUR", rate="0.85")
    book.bill(
        "B4",
        "S2",
        "2024-06-01",
        "200",
        due="2024-07-31",
        amount_due="200",
        status="open",
        currency="EUR",
        rate="0.86",
    )
    book.bill("B5", "S3", "2024-07-01", "300", due="2024-07-31", amount_due="300", status="open")
    book.bill("B6", "S3", "2024-07-05", "999", status="void")
    book.bill("B7", "S3", "2024-07-06", "999", amount_due="999", status="draft")
    book.bill("B8", "S3", "2024-07-07", "999", amount_due="999", status="open", is_deleted=True)
    book.bill("B9", "S3", "2023-12-31", "999", due="2024-01-30")

    book.payment("P1", "S1", "2024-02-01", "600", pays=[("B1", "600")], account_id="A2")
    book.payment("P2", "S1", "2024-02-20", "400", pays=[("B1", "400")], account_id="A2")
    book.payment(
        "P3", "S1", "2024-03-15", "300", pays=[("B2", "300")], account_id="A1", reference="BACS 991"
    )
    book.payment(
        "P4",
        "S2",
        "2024-05-10",
        "1100",
        pays=[("B3", "1000")],
        method_raw="Check",
        account_id="A1",
        currency="EUR",
        rate="0.85",
    )
    book.payment("P9", "S3", "2023-12-31", "999", pays=[("B9", "999")])  # before the period

    book.expense("E1", "S1", "2024-04-01", "50", method_raw="CreditCard")
    book.expense(
        "E2",
        "S2",
        "2024-06-10",
        "0.75",
        currency="EUR",
        rate="0.3",
        reference="Paid by cheque 1234",
    )
    book.expense("E3", "", "2024-08-01", "12", supplier_name="Corner Shop", account_id="A2")
    book.expense("E4", "S1", "2024-04-02", "-20", method_raw="CreditCard")
    book.expense("E5", "S1", "2025-01-02", "75", method_raw="CreditCard")
    return book


def frames() -> LedgerFrames:
    return ledger().frames()


D = Decimal
