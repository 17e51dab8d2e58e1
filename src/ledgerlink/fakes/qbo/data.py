"""A QuickBooks Online company, computed deterministically in QBO's JSON shapes (the JSON
rendering of the entities in Intuit's Finance.xsd): Vendor, Account, Bill, BillPayment
(PayType Check/CreditCard, lines linked to bills), Purchase (PaymentType Cash/Check/
CreditCard) and CompanyInfo, plus monthly ProfitAndLoss and BalanceSheet reports."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ledgerlink.fakes.collection import Collection

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
WORDS = (
    "Pinecrest",
    "Riverside",
    "Bluebird",
    "Ironwood",
    "Keystone",
    "Larkspur",
    "Northgate",
    "Redwood",
    "Silverline",
    "Timberline",
    "Westbrook",
    "Yellowfin",
)
# (Id, Name, AccountType, AccountSubType, Classification)
ACCOUNTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("35", "Checking", "Bank", "Checking", "Asset"),
    ("36", "Savings", "Bank", "Savings", "Asset"),
    ("37", "Petty Cash", "Bank", "CashOnHand", "Asset"),
    ("41", "Visa Business Card", "Credit Card", "CreditCard", "Liability"),
    ("33", "Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable", "Liability"),
    ("79", "Sales of Product Income", "Income", "SalesOfProductIncome", "Revenue"),
    ("80", "Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs", "Expense"),
    ("7", "Advertising", "Expense", "AdvertisingPromotional", "Expense"),
    ("13", "Meals and Entertainment", "Expense", "EntertainmentMeals", "Expense"),
    ("15", "Office Expenses", "Expense", "OfficeGeneralAdministrativeExpenses", "Expense"),
    ("17", "Rent or Lease", "Expense", "RentOrLeaseOfBuildings", "Expense"),
    ("51", "Opening Balance Equity", "Equity", "OpeningBalanceEquity", "Equity"),
)
EXPENSE_IDS = ("80", "7", "13", "15", "17")
PURCHASE_ACCOUNT = {"Cash": "37", "Check": "35", "CreditCard": "41"}


def stamp(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now_ms() -> int:
    return int(time.time() * 1000)


def money(cents: int) -> float:
    return round(cents / 100, 2)


def account_name(account_id: str) -> str:
    return next(a[1] for a in ACCOUNTS if a[0] == account_id)


def ref(value: str, name: str = "") -> dict[str, str]:
    return {"value": value, "name": name} if name else {"value": value}


@dataclass
class QboCompany:
    name: str
    seed: int = 1
    vendors: int = 12
    bills: int = 120
    purchases: int = 40
    home_currency: str = "USD"
    country: str = "US"
    foreign_every: int = 7
    realm_id: str = ""
    malformed_bills: set[int] = field(default_factory=set)
    deleted: dict[str, dict[int, int]] = field(default_factory=dict)  # entity → index → ms

    def __post_init__(self) -> None:
        self.realm_id = self.realm_id or f"{9_130_350_000_000 + self.seed * 7919}"
        base = int(EPOCH.timestamp() * 1000)
        self.vendor_rows = Collection(self.vendors, base, 997, lambda i: "Vendor")
        self.account_rows = Collection(len(ACCOUNTS), base, 1, lambda i: "Account")
        self.bill_rows = Collection(self.bills, base + 5, 1000, lambda i: "Bill")
        groups: list[list[int]] = []
        for i in range(self.bills):
            r = i % 10
            if r == 3:
                groups.append([i, i + 1] if i + 1 < self.bills else [i])
            elif r not in (4, 9):
                groups.append([i])
        self.payment_groups = groups
        self.paid_by = {b: k for k, g in enumerate(groups) for b in g}
        self.payment_rows = Collection(len(groups), base + 7, 1000, lambda i: "BillPayment")
        self.purchase_rows = Collection(self.purchases, base + 3, 1000, lambda i: "Purchase")

    def rows(self, entity: str) -> Collection:
        return {
            "Vendor": self.vendor_rows,
            "Account": self.account_rows,
            "Bill": self.bill_rows,
            "BillPayment": self.payment_rows,
            "Purchase": self.purchase_rows,
        }[entity]

    def render(self, entity: str, i: int) -> dict[str, Any]:
        return {
            "Vendor": self.vendor,
            "Account": self.account,
            "Bill": self.bill,
            "BillPayment": self.bill_payment,
            "Purchase": self.purchase,
        }[entity](i)

    def is_deleted(self, entity: str, i: int) -> bool:
        return i in self.deleted.get(entity, {})

    def tombstone(self, entity: str, i: int) -> dict[str, Any]:
        """How CDC reports a deleted entity."""
        return {
            "domain": "QBO",
            "status": "Deleted",
            "Id": self.entity_id(entity, i),
            "MetaData": {"LastUpdatedTime": stamp(self.deleted[entity][i])},
        }

    def entity_id(self, entity: str, i: int) -> str:
        offset = {"Vendor": 1000, "Bill": 100_000, "BillPayment": 400_000, "Purchase": 800_000}
        if entity == "Account":
            return ACCOUNTS[i][0]
        return str(offset[entity] + i)

    def foreign(self, i: int) -> tuple[str, float]:
        if self.foreign_every and i % self.foreign_every == 0:
            return ("CAD" if self.home_currency != "CAD" else "USD"), 0.73
        return self.home_currency, 1.0

    def meta(self, rows: Collection, i: int) -> dict[str, str]:
        return {
            "CreateTime": stamp(
                rows.stamps[i] if not rows.revisions.get(i) else int(EPOCH.timestamp() * 1000)
            ),
            "LastUpdatedTime": stamp(rows.stamps[i]),
        }

    # --- entities -----------------------------------------------------------------------

    def company_info(self) -> dict[str, Any]:
        return {
            "Id": "1",
            "SyncToken": "4",
            "MetaData": {
                "CreateTime": stamp(int(EPOCH.timestamp() * 1000)),
                "LastUpdatedTime": stamp(int(EPOCH.timestamp() * 1000)),
            },
            "CompanyName": self.name,
            "LegalName": f"{self.name} LLC",
            "CompanyAddr": {
                "Id": "1",
                "Line1": "123 Sierra Way",
                "City": "San Pablo",
                "Country": self.country,
                "CountrySubDivisionCode": "CA",
                "PostalCode": "87999",
            },
            "CompanyEmailAddr": {"Address": "books@example.com"},
            "CompanyStartDate": "2024-01-01",
            "FiscalYearStartMonth": "January",
            "Country": self.country,
            "PrimaryPhone": {"FreeFormNumber": "(650) 555-0100"},
            "SupportedLanguages": "en",
            "NameValue": [
                {"Name": "HomeCurrency", "Value": self.home_currency},
                {"Name": "MultiCurrencyEnabled", "Value": "true"},
            ],
            "domain": "QBO",
            "sparse": False,
        }

    def account(self, i: int) -> dict[str, Any]:
        account_id, name, kind, sub, klass = ACCOUNTS[i]
        return {
            "Id": account_id,
            "SyncToken": str(self.account_rows.revisions.get(i, 0)),
            "MetaData": self.meta(self.account_rows, i),
            "Name": name,
            "SubAccount": False,
            "FullyQualifiedName": name,
            "Active": self.account_rows.states.get(i) != "inactive",
            "Classification": klass,
            "AccountType": kind,
            "AccountSubType": sub,
            "CurrentBalance": 0,
            "CurrentBalanceWithSubAccounts": 0,
            "CurrencyRef": ref(self.home_currency),
            "domain": "QBO",
            "sparse": False,
        }

    def vendor(self, i: int) -> dict[str, Any]:
        word = WORDS[(i + self.seed) % len(WORDS)]
        revision = self.vendor_rows.revisions.get(i, 0)
        name = f"{word} Supply Co {i}" + (f" (rev {revision})" if revision else "")
        currency, _ = self.foreign(i) if i % 11 == 5 else (self.home_currency, 1.0)
        return {
            "Id": self.entity_id("Vendor", i),
            "SyncToken": str(revision),
            "MetaData": self.meta(self.vendor_rows, i),
            "GivenName": "Pat",
            "FamilyName": word,
            "CompanyName": name,
            "DisplayName": name,
            "PrintOnCheckName": name,
            "Active": i % 13 != 12,
            "PrimaryPhone": {"FreeFormNumber": f"(555) 010-{i % 10000:04d}"},
            "PrimaryEmailAddr": {"Address": f"ap{i}@{word.lower()}.example"},
            "BillAddr": {
                "Id": str(2000 + i),
                "Line1": f"{i} {word} Ave",
                "City": "Fresno",
                "CountrySubDivisionCode": "CA",
                "PostalCode": "93650",
                "Country": "USA",
            },
            "TaxIdentifier": f"XXXXXX{1000 + i}",
            "TermRef": ref("3"),
            "Balance": 0,
            "AcctNum": f"V{i:05d}",
            "Vendor1099": i % 4 == 0,
            "CurrencyRef": ref(currency),
            "domain": "QBO",
            "sparse": False,
        }

    def bill_cents(self, i: int) -> int:
        return (
            ((i * 7907 + self.seed * 97) % 80_000)
            + 1_500
            + 100 * self.bill_rows.revisions.get(i, 0)
        )

    def bill_date(self, i: int) -> date:
        return EPOCH.date() + timedelta(days=i % 300)

    def bill(self, i: int) -> dict[str, Any]:
        cents = self.bill_cents(i)
        first = cents // 3
        currency, rate = self.foreign(i)
        vendor = i % self.vendors
        payment = self.paid_by.get(i)
        paid = payment is not None and not self.is_deleted("BillPayment", payment)
        issued = self.bill_date(i)
        lines = []
        for n, (amount, account_id) in enumerate(
            ((first, EXPENSE_IDS[i % 5]), (cents - first, EXPENSE_IDS[(i + 2) % 5])), start=1
        ):
            lines.append(
                {
                    "Id": str(n),
                    "LineNum": n,
                    "Description": "Goods" if n == 1 else "Services",
                    "Amount": money(amount),
                    "DetailType": "AccountBasedExpenseLineDetail",
                    "AccountBasedExpenseLineDetail": {
                        "AccountRef": ref(account_id, account_name(account_id)),
                        "BillableStatus": "NotBillable",
                        "TaxCodeRef": ref("NON"),
                    },
                }
            )
        record: dict[str, Any] = {
            "Id": self.entity_id("Bill", i),
            "SyncToken": str(self.bill_rows.revisions.get(i, 0)),
            "MetaData": self.meta(self.bill_rows, i),
            "DocNumber": f"B-{i + 1:06d}",
            "TxnDate": issued.isoformat(),
            "CurrencyRef": ref(currency, "Canadian Dollar" if currency == "CAD" else currency),
            "ExchangeRate": rate,
            "Line": lines,
            "VendorRef": ref(self.entity_id("Vendor", vendor), f"Vendor {vendor}"),
            "APAccountRef": ref("33", "Accounts Payable (A/P)"),
            "TotalAmt": money(cents),
            "SalesTermRef": ref("3"),
            "DueDate": (issued + timedelta(days=30)).isoformat(),
            "Balance": 0 if paid else money(cents),
            "domain": "QBO",
            "sparse": False,
        }
        if paid and payment is not None:
            record["LinkedTxn"] = [
                {"TxnId": self.entity_id("BillPayment", payment), "TxnType": "BillPayment"}
            ]
        if i in self.malformed_bills:
            del record["VendorRef"]
            record["TotalAmt"] = "lots"
        return record

    def bill_payment(self, k: int) -> dict[str, Any]:
        bills = self.payment_groups[k]
        currency, rate = self.foreign(bills[0])
        card = bills[0] % 3 == 0
        voided = self.payment_rows.states.get(k) == "voided"
        lines = [
            {
                "Amount": 0 if voided else money(self.bill_cents(b)),
                "LinkedTxn": [{"TxnId": self.entity_id("Bill", b), "TxnType": "Bill"}],
            }
            for b in bills
        ]
        vendor = bills[0] % self.vendors
        record: dict[str, Any] = {
            "Id": self.entity_id("BillPayment", k),
            "SyncToken": str(self.payment_rows.revisions.get(k, 0)),
            "MetaData": self.meta(self.payment_rows, k),
            "DocNumber": f"{5000 + k}",
            "TxnDate": (self.bill_date(bills[0]) + timedelta(days=10)).isoformat(),
            "CurrencyRef": ref(currency),
            "ExchangeRate": rate,
            "Line": lines,
            "VendorRef": ref(self.entity_id("Vendor", vendor), f"Vendor {vendor}"),
            "APAccountRef": ref("33", "Accounts Payable (A/P)"),
            "PayType": "CreditCard" if card else "Check",
            "TotalAmt": 0 if voided else money(sum(self.bill_cents(b) for b in bills)),
            "domain": "QBO",
            "sparse": False,
        }
        if voided:
            record["PrivateNote"] = "Voided"
        if card:
            record["CreditCardPayment"] = {"CCAccountRef": ref("41", "Visa Business Card")}
        else:
            record["CheckPayment"] = {
                "BankAccountRef": ref("35", "Checking"),
                "PrintStatus": "NotSet",
            }
        return record

    def purchase(self, i: int) -> dict[str, Any]:
        kind = ("CreditCard", "Check", "Cash")[i % 3]
        cents = (
            ((i * 4093 + self.seed) % 30_000) + 400 + 100 * self.purchase_rows.revisions.get(i, 0)
        )
        voided = self.purchase_rows.states.get(i) == "voided"
        currency, rate = self.foreign(i)
        account_id = PURCHASE_ACCOUNT[kind]
        expense = EXPENSE_IDS[i % 5]
        vendor = i % self.vendors
        record: dict[str, Any] = {
            "Id": self.entity_id("Purchase", i),
            "SyncToken": str(self.purchase_rows.revisions.get(i, 0)),
            "MetaData": self.meta(self.purchase_rows, i),
            "DocNumber": f"E{i + 1:05d}",
            "TxnDate": (EPOCH.date() + timedelta(days=i % 300)).isoformat(),
            "CurrencyRef": ref(currency),
            "ExchangeRate": rate,
            "Line": [
                {
                    "Id": "1",
                    "Amount": 0 if voided else money(cents),
                    "DetailType": "AccountBasedExpenseLineDetail",
                    "AccountBasedExpenseLineDetail": {
                        "AccountRef": ref(expense, account_name(expense)),
                        "BillableStatus": "NotBillable",
                        "TaxCodeRef": ref("NON"),
                    },
                }
            ],
            "AccountRef": ref(account_id, account_name(account_id)),
            "PaymentType": kind,
            "EntityRef": {
                **ref(self.entity_id("Vendor", vendor), f"Vendor {vendor}"),
                "type": "Vendor",
            },
            "TotalAmt": 0 if voided else money(cents),
            "domain": "QBO",
            "sparse": False,
        }
        if kind == "CreditCard":
            record["Credit"] = False  # True would be a card refund
        if voided:
            record["PrivateNote"] = "Voided"
        return record

    # --- edits ----------------------------------------------------------------------------

    def edit_bill(self, i: int) -> None:
        self.bill_rows.touch(i, now_ms())

    def delete(self, entity: str, i: int) -> None:
        """Deleted in QuickBooks: gone from queries, reported by CDC."""
        self.deleted.setdefault(entity, {})[i] = now_ms()

    def delete_bill_payment(self, bill: int) -> None:
        k = self.paid_by[bill]
        self.delete("BillPayment", k)
        for b in self.payment_groups[k]:
            self.bill_rows.touch(b, now_ms())

    def void_purchase(self, i: int) -> None:
        self.purchase_rows.touch(i, now_ms(), "voided")

    def edit_vendor(self, i: int) -> None:
        self.vendor_rows.touch(i, now_ms())
