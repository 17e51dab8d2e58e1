"""Reads for showing connections and sync progress in the portal."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from ledgerlink.connectors.models import Connection, ConnectionStatus
from ledgerlink.ledger.records import DataType
from ledgerlink.relationships.models import Company
from ledgerlink.sync.models import SyncRun, SyncStatus


@dataclass(frozen=True)
class ProgressRow:
    label: str
    records: int
    problems: int
    done: bool


@dataclass(frozen=True)
class ConnectionView:
    connection: Connection
    latest_run: SyncRun | None

    @property
    def active(self) -> bool:
        return self.latest_run is not None and self.latest_run.status in (
            SyncStatus.QUEUED,
            SyncStatus.RUNNING,
            SyncStatus.PAUSED,
        )

    @property
    def progress(self) -> list[ProgressRow]:
        if self.latest_run is None:
            return []
        return [
            ProgressRow(
                DataType.LABELS.get(dt, dt),
                int(state.get("records", 0)),
                int(state.get("problems", 0)),
                bool(state.get("done")),
            )
            for dt, state in self.latest_run.progress.items()
        ]


def company_connections(company: Company) -> list[ConnectionView]:
    """Connections of the company and of its legal entities, each with its latest run."""
    connections = list(
        Connection.objects.filter(organisation_id=company.organisation_id)
        .filter(Q(company=company) | Q(company__parent=company))
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .select_related("company")
        .order_by("company__name", "pk")
    )
    latest: dict[int, SyncRun] = {}
    for run in SyncRun.objects.filter(connection__in=connections).order_by("connection_id", "-pk"):
        latest.setdefault(run.connection_id, run)
    return [ConnectionView(c, latest.get(c.pk)) for c in connections]


def any_active(views: list[ConnectionView]) -> bool:
    return any(view.active for view in views)
