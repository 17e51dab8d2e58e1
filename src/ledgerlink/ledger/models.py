"""The unified ledger: one shape for data from every source (platforms and files).

Every record keeps `source` (connector or file kind), `source_id` (the id at the source) and
the source's modified time. Upserts are idempotent on (company, source, source_id). Money is
Decimal with its currency and the exchange rate to the company's base currency as recorded
at the source. Ids of related records at the source (`supplier_source_id`, ...) are the
truth; the foreign keys next to them are resolved after each sync or import.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


def money() -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(max_digits=20, decimal_places=4)


def rate() -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(max_digits=20, decimal_places=10, default=1)


# LINKS_WITHOUT_CONSTRAINT: the links between ledger records (a bill's, payment's or
# expense's supplier; an allocation's payment and bill) have no database constraint either:
# PostgreSQL checked each inserted row against its target one at a time, about half of the
# database's share of a 100,000-bill import. The links are written only by the ledger
# services: from the ids of records of the same company and source read in the same
# transaction, or by `resolve_links`' set-based joins. Records are deleted only by the ledger
# services, set-based, clearing or deleting what links to them as Django's SET_NULL /
# CASCADE would (`delete_stale`, `delete_companies_data`, allocations of a deleted payment).
# So a supplier or bill link needs no index either: nothing looks records up by it but those
# statements, which go through one company's records anyway (an allocation's payment link
# has one: a payment's allocations are replaced through it). The writers of one company's
# records from one source are serialised (a sync run is claimed by one worker;
# `replace_source` locks the company row), and sources never link to each other's records.
# A link is read with a join (or Django's related lookups), so a link without a target
# would read as no link; the tests check none is left.


class LedgerRecord(models.Model):
    # No index of its own: every table's unique (company, source, source_id) constraint
    # starts with it, and one index fewer to maintain makes bulk loads cheaper.
    # No database constraint either: PostgreSQL checks one row at a time, which was about a
    # third of the cost of storing a record. Nothing is lost: rows are only written for a
    # company read from the database moments before, Django deletes a company's records
    # with it (CASCADE is Django's, not the database's), a sync page commits together with
    # its run's checkpoint (a run deleted with its company makes the page roll back), and
    # company ids are never reused, so even a row written in a race with the deletion of
    # its company could not be seen by anyone: every read starts from a company. (A deleted
    # company's records are deleted after it, by `LedgerPurge`.)
    # DO_NOTHING: a deleted company's records are purged in the background, set-based
    # (`ledger.services.purge_later`); Django's cascade would read every one into memory.
    company = models.ForeignKey(
        "relationships.Company",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    source = models.CharField(max_length=40)
    source_id = models.CharField(max_length=200)
    source_modified_at = models.DateTimeField(null=True, blank=True)
    is_deleted = models.BooleanField(default=False)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.source}:{self.source_id}"


def _unique(name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(fields=["company", "source", "source_id"], name=name)


class CompanyInfo(LedgerRecord):
    legal_name = models.CharField(max_length=300)
    base_currency = models.CharField(max_length=3)
    registration_number = models.CharField(max_length=100, blank=True)
    tax_number = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=100, blank=True)
    website = models.CharField(max_length=300, blank=True)
    addresses = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [_unique("ledger_companyinfo_unique")]


class Supplier(LedgerRecord):
    name = models.CharField(max_length=300)
    contact_name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=100, blank=True)
    address_line1 = models.CharField(max_length=300, blank=True)
    address_line2 = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=120, blank=True)
    region = models.CharField(max_length=120, blank=True)
    postal_code = models.CharField(max_length=40, blank=True)
    country = models.CharField(max_length=80, blank=True)
    tax_number = models.CharField(max_length=100, blank=True)
    registration_number = models.CharField(max_length=100, blank=True)
    default_terms_days = models.IntegerField(null=True, blank=True)
    default_payment_method = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=40, blank=True)
    # When ledgerlink first saw the supplier; upserts never move it.
    first_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [_unique("ledger_supplier_unique")]


class BillStatus(models.TextChoices):
    OPEN = "open", "Open"
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    PAID = "paid", "Paid"
    VOID = "void", "Void"
    DRAFT = "draft", "Draft"


class Bill(LedgerRecord):
    supplier_source_id = models.CharField(max_length=200)
    supplier = models.ForeignKey(
        Supplier,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bills",
        db_constraint=False,  # see LINKS_WITHOUT_CONSTRAINT
        db_index=False,
    )
    reference = models.CharField(max_length=200, blank=True)
    issue_date = models.DateField()
    due_date = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3)
    exchange_rate = rate()
    total_amount = money()
    amount_due = money()
    status = models.CharField(max_length=20, choices=BillStatus.choices)
    # [{"description", "account_source_id", "amount", "tax_amount"}]: kept with the bill
    # because lines are always read and replaced with it.
    lines = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [_unique("ledger_bill_unique")]


class BillPayment(LedgerRecord):
    supplier_source_id = models.CharField(max_length=200, blank=True)
    supplier = models.ForeignKey(
        Supplier,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
        db_constraint=False,  # see LINKS_WITHOUT_CONSTRAINT
        db_index=False,
    )
    payment_date = models.DateField()
    currency = models.CharField(max_length=3)
    exchange_rate = rate()
    amount = money()
    # The platform's own payment-method field, as recorded (e.g. QBO PayType "Check").
    method_raw = models.CharField(max_length=100, blank=True)
    payment_account_source_id = models.CharField(max_length=200, blank=True)
    payment_account_name = models.CharField(max_length=300, blank=True)
    reference = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [_unique("ledger_billpayment_unique")]


class PaymentAllocation(models.Model):
    """The part of a bill payment that settles one bill."""

    payment = models.ForeignKey(
        BillPayment,
        on_delete=models.CASCADE,
        related_name="allocations",
        db_constraint=False,  # see LINKS_WITHOUT_CONSTRAINT
    )
    bill_source_id = models.CharField(max_length=200)
    bill = models.ForeignKey(
        Bill,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="allocations",
        db_constraint=False,  # see LINKS_WITHOUT_CONSTRAINT
        db_index=False,
    )
    amount = money()
    allocated_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.amount} of payment {self.payment_id} to bill {self.bill_source_id}"


class Expense(LedgerRecord):
    supplier_source_id = models.CharField(max_length=200, blank=True)
    supplier = models.ForeignKey(
        Supplier,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="expenses",
        db_constraint=False,  # see LINKS_WITHOUT_CONSTRAINT
        db_index=False,
    )
    supplier_name = models.CharField(max_length=300, blank=True)
    expense_date = models.DateField()
    currency = models.CharField(max_length=3)
    exchange_rate = rate()
    amount = money()
    method_raw = models.CharField(max_length=100, blank=True)
    payment_account_source_id = models.CharField(max_length=200, blank=True)
    payment_account_name = models.CharField(max_length=300, blank=True)
    reference = models.CharField(max_length=500, blank=True)
    account_source_id = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [_unique("ledger_expense_unique")]


class Account(LedgerRecord):
    code = models.CharField(max_length=60, blank=True)
    name = models.CharField(max_length=300)
    # The platform's own account type, e.g. Xero "BANK" or QBO "Credit Card".
    type = models.CharField(max_length=100, blank=True)
    # asset / liability / equity / income / expense, where the source says.
    classification = models.CharField(max_length=20, blank=True)
    is_payment_account = models.BooleanField(default=False)
    # For payment accounts: bank, credit_card, cash, paypal, other.
    payment_account_type = models.CharField(max_length=20, blank=True)
    parent_source_id = models.CharField(max_length=200, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [_unique("ledger_account_unique")]


class Statement(models.TextChoices):
    PROFIT_AND_LOSS = "pl", "Profit and loss"
    BALANCE_SHEET = "bs", "Balance sheet"


class FinancialStatementLine(LedgerRecord):
    """One account's line of a P&L (for a month) or balance sheet (at a month end)."""

    statement = models.CharField(max_length=2, choices=Statement.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    section = models.CharField(max_length=120, blank=True)
    account_source_id = models.CharField(max_length=200, blank=True)
    account_name = models.CharField(max_length=300)
    amount = money()
    currency = models.CharField(max_length=3)

    class Meta:
        constraints = [_unique("ledger_statementline_unique")]
        indexes = [models.Index(fields=["company", "statement", "period_end"])]


class LedgerPurge(models.Model):
    """A deleted company whose ledger records are still to be deleted (in the background:
    for a million bills that takes seconds, too long for the request deleting it). Until
    then they are invisible: every read of the ledger starts from a company."""

    company_id = models.BigIntegerField(unique=True)
    requested_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"ledger purge of company {self.company_id}"
