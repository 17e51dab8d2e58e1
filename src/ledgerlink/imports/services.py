"""Importing the supplier information template for a company: all rows or none."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from ledgerlink.audit.services import record
from ledgerlink.imports.models import FileImport, ImportStatus
from ledgerlink.imports.parse import (
    MAX_ROWS_PER_SHEET,
    MAX_UPLOAD_BYTES,
    TEMPLATE_TYPES,
    Problem,
    gc_paused,
    parse_upload,
)
from ledgerlink.imports.safety import safe_filename
from ledgerlink.ledger.records import DataType
from ledgerlink.ledger.services import replace_source
from ledgerlink.relationships.models import Company, ProvisionStatus
from ledgerlink.tenancy.models import User

logger = logging.getLogger(__name__)

SOURCE = "template"


@dataclass(slots=True)
class ImportResult:
    ok: bool
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # Records stored per data type (all zero when the file was rejected).
    counts: dict[str, int] = field(default_factory=dict)
    # All problems found; `problems` lists the first MAX_PROBLEMS of them.
    problem_count: int = 0
    file_import_id: int | None = None

    @property
    def summary(self) -> str:
        if self.ok:
            return "Imported " + describe_counts(self.counts) + "."
        noun = "problem" if self.problem_count == 1 else "problems"
        return f"Nothing was imported: the file has {self.problem_count:,} {noun}."


def describe_counts(counts: dict[str, int]) -> str:
    parts = [f"{counts[t]:,} {DataType.LABELS[t].lower()}" for t in TEMPLATE_TYPES if counts.get(t)]
    return ", ".join(parts) if parts else "no records"


def import_template(
    company: Company,
    data: bytes,
    filename: str,
    *,
    actor: User | None = None,
    actor_kind: str = "user",
    request: HttpRequest | None = None,
    max_bytes: int = MAX_UPLOAD_BYTES,
    max_rows: int = MAX_ROWS_PER_SHEET,
) -> ImportResult:
    """Check the file and, only when it has no problem at all, replace the company's
    template data with it in one transaction. Every attempt is recorded and audited.

    `company` must already be resolved within the caller's organisation: nothing outside
    it is read or written.
    """
    # Hundreds of thousands of rows and no reference cycles: the cyclic garbage collector
    # would only scan them over and over. It stays paused until the records are gone (had
    # it resumed between reading and storing, it would scan every one of them once).
    with gc_paused():
        return _import_template(
            company, data, filename, actor, actor_kind, request, max_bytes, max_rows
        )


def _import_template(
    company: Company,
    data: bytes,
    filename: str,
    actor: User | None,
    actor_kind: str,
    request: HttpRequest | None,
    max_bytes: int,
    max_rows: int,
) -> ImportResult:
    name = safe_filename(filename)
    parsed = parse_upload(data, filename, max_bytes=max_bytes, max_rows=max_rows)
    counts = dict.fromkeys(TEMPLATE_TYPES, 0)
    with transaction.atomic():
        # One import per company at a time: a second upload waits for the first to finish.
        Company.objects.select_for_update().filter(pk=company.pk).exists()
        if parsed.ok:
            stored = replace_source(company, SOURCE, dict(parsed.records))
            counts = {t: stored.get(t, 0) for t in TEMPLATE_TYPES}
            Company.objects.filter(pk=company.pk).update(
                provision_status=ProvisionStatus.DATA_AVAILABLE, last_synced_at=timezone.now()
            )
            # New data: the company's reports (its parent's, for an entity) are rebuilt.
            from ledgerlink.reports.services import schedule_after_data_change

            schedule_after_data_change(company)
        file_import = FileImport.objects.create(
            company=company,
            kind=SOURCE,
            filename=name,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            status=ImportStatus.ACCEPTED if parsed.ok else ImportStatus.REJECTED,
            problem_count=parsed.problem_count,
            warning_count=len(parsed.warnings),
            counts=counts,
            created_by=actor,
        )
        if parsed.ok:
            action = "import.accepted"
            summary = f"Template “{name}” imported: {describe_counts(counts)}"
        else:
            action = "import.rejected"
            noun = "problem" if parsed.problem_count == 1 else "problems"
            summary = f"Template “{name}” rejected: {parsed.problem_count:,} {noun}"
        record(
            organisation=company.organisation,
            actor=actor,
            actor_kind=actor_kind,
            action=action,
            summary=summary,
            company_id=company.pk,
            target=file_import,
            data={
                "filename": name,
                "size": len(data),
                "counts": counts,
                "problem_count": parsed.problem_count,
                "warning_count": len(parsed.warnings),
            },
            request=request,
        )
    logger.info("%s for company %s: %s", action, company.pk, summary)
    return ImportResult(
        ok=parsed.ok,
        problems=parsed.problems,
        warnings=parsed.warnings,
        counts=counts,
        problem_count=parsed.problem_count,
        file_import_id=file_import.pk,
    )
