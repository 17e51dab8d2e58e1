"""Reads for the journey: which steps apply, each entity's status, where to resume."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from ledgerlink.connectors import registry
from ledgerlink.connectors.base import Connector, Tenant
from ledgerlink.connectors.models import Connection, ConnectionStatus
from ledgerlink.journey.models import EntityMode, EntityTask, Journey, Method
from ledgerlink.relationships.models import DataRequest, ProvisionStatus, RequestStatus

# Statuses while data is still on its way: the status page polls while any entity has one.
ACTIVE_STATUSES = {
    ProvisionStatus.CONNECTING,
    ProvisionStatus.CONNECTED,
    ProvisionStatus.SYNCING,
}


LIVE_CONNECTION = {
    ConnectionStatus.CONNECTED,
    ConnectionStatus.SYNCING,
    ConnectionStatus.DATA_AVAILABLE,
}


@dataclass(frozen=True)
class Steps:
    """Which steps this request's journey has (journey.md §2 and the org's flags)."""

    offers_method: bool  # "Upload a file or connect software?"
    offers_entities: bool  # "How many legal entities?"
    offers_upload: bool  # manual upload (also "my software isn't listed")


def steps_for(data_request: DataRequest) -> Steps:
    spend_only = data_request.wants_spend and not data_request.wants_financials
    org = data_request.organisation
    upload = spend_only and org.allow_manual_upload
    return Steps(
        offers_method=upload,
        offers_entities=spend_only and org.allow_multi_entity,
        offers_upload=upload,
    )


def journey_of(data_request: DataRequest) -> Journey | None:
    return Journey.objects.filter(data_request=data_request).first()


def is_multi(journey: Journey) -> bool:
    return journey.entity_mode == EntityMode.MANY and journey.method != Method.UPLOAD


def software(search: str = "") -> list[Connector]:
    """Platforms the server can connect to, most common first, filtered by a search."""
    words = search.casefold().split()
    return [
        c
        for c in registry.available()
        if all(word in f"{c.name} {c.key}".casefold() for word in words)
    ]


def software_name(key: str) -> str:
    try:
        return registry.get(key).name
    except LookupError:
        return key


def live_connection(task: EntityTask) -> Connection | None:
    return (
        Connection.objects.filter(company_id=task.company_id)
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .order_by("-created_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class TaskView:
    task: EntityTask
    connection: Connection | None
    status_key: str
    status_label: str
    software_label: str
    connection_label: str
    data_label: str
    needs_reconnection: bool

    @property
    def name(self) -> str:
        return self.task.company.name


def describe(task: EntityTask, connection: Connection | None) -> TaskView:
    needs_reconnection = (
        connection is not None and connection.status == ConnectionStatus.NEEDS_REAUTHORISATION
    )
    if task.method == Method.UPLOAD:
        key, label = "done", _("File received")
    elif needs_reconnection:
        key, label = "attention", _("Needs reconnection")
    elif task.failure:
        key, label = "attention", _("Needs attention")
    elif connection is not None and task.confirmed_connection_id == connection.pk:
        key, label = "done", _("Connected")
    elif connection is not None:
        key, label = "progress", _("Check the organisation")
    elif task.platform:
        key, label = "progress", _("In progress")
    else:
        key, label = "todo", _("Not started")
    if task.method == Method.UPLOAD:
        software_label = _("File upload")
        connection_label = _("Not needed (file upload)")
    else:
        software_label = software_name(task.platform) if task.platform else _("Not chosen yet")
        if connection is None:
            connection_label = _("Not connected")
        elif connection.status in LIVE_CONNECTION:
            connection_label = _("Connected")
        else:
            connection_label = connection.get_status_display()
    return TaskView(
        task=task,
        connection=connection,
        status_key=key,
        status_label=label,
        software_label=software_label,
        connection_label=connection_label,
        data_label=task.company.get_provision_status_display(),
        needs_reconnection=needs_reconnection,
    )


def task_views(journey: Journey) -> list[TaskView]:
    tasks = list(journey.tasks.select_related("company"))
    connections: dict[int, Connection] = {}
    for connection in (
        Connection.objects.filter(company_id__in=[t.company_id for t in tasks])
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .order_by("created_at", "pk")
    ):
        connections[connection.company_id] = connection  # the newest wins
    return [describe(task, connections.get(task.company_id)) for task in tasks]


def any_active(views: list[TaskView]) -> bool:
    return any(v.task.company.provision_status in ACTIVE_STATUSES for v in views)


def root_task(journey: Journey) -> EntityTask | None:
    return journey.tasks.filter(company_id=journey.data_request.company_id).first()


def reference(data_request: DataRequest) -> str:
    """A stable reference the client can quote to the organisation."""
    return f"LL-{data_request.pk:06d}"


def task_step(token: str, task: EntityTask, *, multi: bool) -> str:
    """Where the client continues with one entity."""

    def url(name: str) -> str:
        return reverse(f"journey:{name}", args=[token, task.pk])

    if task.method == Method.UPLOAD:
        return reverse("journey:entities" if multi else "journey:status", args=[token])
    connection = live_connection(task)
    if task.failure:
        return url("not-connected")
    if connection is not None:
        if task.confirmed_connection_id == connection.pk:
            return reverse("journey:entities" if multi else "journey:status", args=[token])
        return url("connected")
    if task.platform:
        return url("consent")
    return url("software")


def resume_url(token: str, data_request: DataRequest, journey: Journey | None) -> str:
    """The page a returning client continues from (rule A3: progress lives on the server)."""
    if journey is None:
        return reverse("journey:landing", args=[token])
    if journey.submitted_at or data_request.status == RequestStatus.COMPLETED:
        return reverse("journey:status", args=[token])
    steps = steps_for(data_request)
    if steps.offers_method and not journey.method:
        return reverse("journey:method", args=[token])
    if journey.method == Method.UPLOAD:
        root = root_task(journey)
        if root is None:
            return reverse("journey:method", args=[token])
        if root.method == Method.UPLOAD:
            return reverse("journey:status", args=[token])
        return reverse("journey:upload", args=[token, root.pk])
    if steps.offers_entities and not journey.entity_mode:
        return reverse("journey:how-many", args=[token])
    if is_multi(journey):
        return reverse("journey:entities", args=[token])
    root = root_task(journey)
    if root is None:
        return reverse("journey:landing", args=[token])
    return task_step(token, root, multi=False)


def task_for_state(state: str, token: str) -> EntityTask | None:
    """The journey entity an OAuth `state` was started for, if this browser's link matches."""
    from ledgerlink.connectors.models import OAuthState
    from ledgerlink.relationships.services import LinkState, resolve_link
    from ledgerlink.tenancy.tokens import hash_token

    pending = OAuthState.objects.filter(state_hash=hash_token(state or "")).first()
    if pending is None or pending.data_request_id is None:
        return None
    resolved = resolve_link(token)
    if resolved.state is not LinkState.VALID or resolved.data_request is None:
        return None
    if resolved.data_request.pk != pending.data_request_id:
        return None
    return (
        EntityTask.objects.select_related("company", "journey__data_request")
        .filter(journey__data_request_id=pending.data_request_id, company_id=pending.company_id)
        .first()
    )


@dataclass(frozen=True)
class TenantOption:
    """One organisation a connection's token reaches, as the client may choose it."""

    id: str
    name: str
    taken: bool  # already linked to another live connection of the organisation


def tenant_options(connection: Connection, reachable: list[Tenant]) -> list[TenantOption]:
    """The reachable organisations in the platform's order; those another live connection of
    the same organisation holds are marked taken (shown, not selectable)."""
    taken = set(
        Connection.objects.filter(
            organisation_id=connection.organisation_id,
            platform=connection.platform,
            tenant_id__in=[t.id for t in reachable],
        )
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .exclude(pk=connection.pk)
        .values_list("tenant_id", flat=True)
    )
    return [TenantOption(t.id, t.name, t.id in taken) for t in reachable]
