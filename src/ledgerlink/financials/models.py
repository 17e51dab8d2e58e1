"""Each ledger account's category: what ledgerlink suggests and what a person confirmed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from ledgerlink.financials.categorise.engine import REVIEW_BELOW


class CategoryStatus(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    NEEDS_REVIEW = "needs_review", "Needs review"
    CONFIRMED = "confirmed", "Confirmed"


class AccountCategory(models.Model):
    """Keyed like the ledger account it describes, so a confirmation survives every re-sync
    (the ledger row may be replaced; the category is found again by source and source id)."""

    company = models.ForeignKey(
        "relationships.Company", on_delete=models.CASCADE, related_name="account_categories"
    )
    account_source = models.CharField(max_length=40)
    account_source_id = models.CharField(max_length=200)
    account_code = models.CharField(max_length=60, blank=True)
    account_name = models.CharField(max_length=300)
    suggested_type = models.CharField(max_length=40)
    suggested_subtype = models.CharField(max_length=40)
    suggested_detail = models.CharField(max_length=60)
    confidence = models.FloatField()
    suggested_at = models.DateTimeField(default=timezone.now)
    confirmed_type = models.CharField(max_length=40, blank=True)
    confirmed_subtype = models.CharField(max_length=40, blank=True)
    confirmed_detail = models.CharField(max_length=60, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "account_source", "account_source_id"],
                name="financials_category_unique",
            )
        ]
        ordering = ["account_code", "account_name"]

    def __str__(self) -> str:
        return f"{self.account_name} → {self.detail}"

    @property
    def is_confirmed(self) -> bool:
        return bool(self.confirmed_detail)

    @property
    def status(self) -> CategoryStatus:
        if self.is_confirmed:
            return CategoryStatus.CONFIRMED
        if self.confidence < REVIEW_BELOW:
            return CategoryStatus.NEEDS_REVIEW
        return CategoryStatus.SUGGESTED

    @property
    def type(self) -> str:
        return self.confirmed_type or self.suggested_type

    @property
    def subtype(self) -> str:
        return self.confirmed_subtype or self.suggested_subtype

    @property
    def detail(self) -> str:
        return self.confirmed_detail or self.suggested_detail
