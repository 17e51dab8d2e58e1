"""Writes: suggest categories for a company's accounts, confirm or change them (audited)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from ledgerlink.audit.services import record
from ledgerlink.financials.categorise.engine import HIGH_CONFIDENCE, AccountInput, suggest
from ledgerlink.financials.models import AccountCategory
from ledgerlink.financials.taxonomy import taxonomy
from ledgerlink.ledger.models import Account, FinancialStatementLine
from ledgerlink.relationships.models import Company
from ledgerlink.tenancy.models import User


@dataclass(frozen=True, slots=True)
class CategorisationResult:
    created: int
    updated: int


def _inputs(company: Company, accounts: list[Account]) -> list[AccountInput]:
    """Everything the ledger knows of each account: parent, platform type, statement, sign."""
    names = {a.source_id: a.name for a in accounts}
    statements: dict[str, str] = {}
    latest = (
        FinancialStatementLine.objects.filter(company=company, is_deleted=False)
        .exclude(account_source_id="")
        .values("account_source_id", "statement")
        .annotate(last=Max("period_end"))
    )
    for row in latest:
        statements[row["account_source_id"]] = row["statement"]
    return [
        AccountInput(
            name=a.name,
            code=a.code,
            parent_name=names.get(a.parent_source_id, ""),
            # a platform "BANK" account may be a card: the mapper says which
            platform_type="creditcard" if a.payment_account_type == "credit_card" else a.type,
            classification=a.classification,
            statement=statements.get(a.source_id, ""),
        )
        for a in accounts
    ]


def categorise_company(
    company: Company, *, actor: User | None = None, request: HttpRequest | None = None
) -> CategorisationResult:
    """Suggest a category for every live ledger account; never touches a confirmation.

    Accounts already suggested are re-suggested only when the ledger changed them since.
    Runs after a sync or import completes (`schedule_categorisation`) and before a
    Financials report is built, never when a page is read. One run per company at a time:
    the company row is locked first (as a template import does), so a second run waits and
    then finds nothing left to do.
    """
    with transaction.atomic():
        Company.objects.select_for_update().filter(pk=company.pk).exists()
        return _categorise_locked(company, actor, request)


def _categorise_locked(
    company: Company, actor: User | None, request: HttpRequest | None
) -> CategorisationResult:
    accounts = list(
        Account.objects.filter(company=company, is_deleted=False).order_by("code", "name")
    )
    existing = {
        (c.account_source, c.account_source_id): c
        for c in AccountCategory.objects.filter(company=company)
    }
    stale = [
        a
        for a in accounts
        if (a.source, a.source_id) not in existing
        or existing[(a.source, a.source_id)].suggested_at < a.synced_at
    ]
    if not stale:
        return CategorisationResult(0, 0)
    # The whole chart goes to the engine (parents, numbering scheme, consensus need it).
    suggestions = dict(
        zip(
            ((a.source, a.source_id) for a in accounts),
            suggest(_inputs(company, accounts)),
            strict=True,
        )
    )
    now = timezone.now()
    new: list[AccountCategory] = []
    changed: list[AccountCategory] = []
    for account in stale:
        key = (account.source, account.source_id)
        s = suggestions[key]
        category = existing.get(key) or AccountCategory(
            company=company, account_source=account.source, account_source_id=account.source_id
        )
        category.account_code = account.code
        category.account_name = account.name
        category.suggested_type = s.type
        category.suggested_subtype = s.subtype
        category.suggested_detail = s.detail
        category.confidence = s.confidence
        category.suggested_at = now
        (changed if category.pk else new).append(category)
    AccountCategory.objects.bulk_create(new, batch_size=1000)
    AccountCategory.objects.bulk_update(
        changed,
        ["account_code", "account_name", "suggested_type", "suggested_subtype",
         "suggested_detail", "confidence", "suggested_at"],
        batch_size=1000,
    )  # fmt: skip
    record(
        organisation=company.organisation,
        action="financials.categories_suggested",
        summary=f"Categories suggested for {len(stale)} accounts of {company.name}",
        actor=actor,
        actor_kind="user" if actor else "system",
        request=request,
        company_id=company.pk,
        data={"created": len(new), "updated": len(changed)},
    )
    return CategorisationResult(len(new), len(changed))


def schedule_categorisation(company: Company) -> None:
    """After a completed sync or template import: suggest categories for the accounts it
    brought (in the worker, once the data is committed). The Financials pages only read.
    Nothing is queued for books without a chart of accounts (a template upload)."""
    from ledgerlink.financials.tasks import categorise_accounts

    if not Account.objects.filter(company=company, is_deleted=False).exists():
        return
    company_id = company.pk
    transaction.on_commit(lambda: categorise_accounts.enqueue(company_id))


class InvalidCategory(ValueError):
    pass


def confirm_category(
    category: AccountCategory,
    *,
    type_key: str,
    subtype_key: str,
    detail_key: str,
    user: User,
    request: HttpRequest | None = None,
) -> AccountCategory:
    """Confirm (or change) an account's category; a later sync keeps it."""
    if not taxonomy().is_valid(type_key, subtype_key, detail_key):
        raise InvalidCategory("Choose a type, subtype and detail that belong together")
    before = category.detail if category.is_confirmed else ""
    category.confirmed_type = type_key
    category.confirmed_subtype = subtype_key
    category.confirmed_detail = detail_key
    category.confirmed_by = user
    category.confirmed_at = timezone.now()
    with transaction.atomic():
        category.save(
            update_fields=[
                "confirmed_type", "confirmed_subtype", "confirmed_detail", "confirmed_by",
                "confirmed_at",
            ]
        )  # fmt: skip
        label = taxonomy().details[detail_key].label
        changed = detail_key != category.suggested_detail
        record(
            organisation=category.company.organisation,
            action="financials.category_changed" if changed else "financials.category_confirmed",
            summary=f"{category.account_name}: {label}"[:300],
            actor=user,
            company_id=category.company_id,
            target=category,
            data={
                "suggested": category.suggested_detail,
                "previous_confirmed": before,
                "confirmed": detail_key,
            },
            request=request,
        )
    return category


def confirm_high_confidence(
    company: Company, *, user: User, request: HttpRequest | None = None
) -> int:
    """Confirm every unconfirmed suggestion at or above HIGH_CONFIDENCE; returns how many."""
    with transaction.atomic():
        pending = list(
            AccountCategory.objects.select_for_update()
            .filter(company=company, confirmed_detail="", confidence__gte=HIGH_CONFIDENCE)
            .order_by("pk")
        )
        now = timezone.now()
        for category in pending:
            category.confirmed_type = category.suggested_type
            category.confirmed_subtype = category.suggested_subtype
            category.confirmed_detail = category.suggested_detail
            category.confirmed_by = user
            category.confirmed_at = now
        AccountCategory.objects.bulk_update(
            pending,
            ["confirmed_type", "confirmed_subtype", "confirmed_detail", "confirmed_by",
             "confirmed_at"],
        )  # fmt: skip
        if pending:
            record(
                organisation=company.organisation,
                action="financials.categories_confirmed",
                summary=f"{len(pending)} high-confidence categories confirmed for {company.name}",
                actor=user,
                company_id=company.pk,
                data={"accounts": [c.account_source_id for c in pending][:1000]},
                request=request,
            )
    return len(pending)
