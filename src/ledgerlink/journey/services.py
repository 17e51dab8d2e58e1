"""Writes for the journey. Every step the client submits is stored at once (rule A3)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from ledgerlink.audit.services import record
from ledgerlink.connectors.models import Connection
from ledgerlink.journey.consent import CONSENT_VERSION, consent_text, text_sha256
from ledgerlink.journey.consent import Section as ConsentSection
from ledgerlink.journey.models import Consent, EntityMode, EntityTask, Failure, Journey, Method
from ledgerlink.journey.selectors import is_multi, steps_for
from ledgerlink.relationships import services as relationships
from ledgerlink.relationships.models import Company, DataRequest, ProvisionStatus


class DuplicateEntity(ValueError):
    """The client already named an entity like this in this request."""


class TooManyEntities(ValueError):
    """More legal entities than one request takes (a link must not mint companies)."""


MAX_ENTITIES = 50


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _audit(journey: Journey, action: str, summary: str, target: object = None) -> None:
    data_request = journey.data_request
    record(
        organisation=data_request.organisation,
        actor_kind="client",
        action=action,
        summary=summary,
        company_id=data_request.company_id,
        target=target if target is not None else data_request,
    )


def _root_task(journey: Journey) -> EntityTask:
    company = journey.data_request.company
    task, _ = EntityTask.objects.get_or_create(
        journey=journey,
        company=company,
        defaults={"name_key": name_key(company.name), "method": ""},
    )
    return task


@transaction.atomic
def start(data_request: DataRequest) -> Journey:
    """The client pressed Start: the request is In progress; steps that do not apply are
    answered for them (journey.md §2)."""
    journey, _ = Journey.objects.get_or_create(data_request=data_request)
    relationships.mark_in_progress(data_request)
    steps = steps_for(data_request)
    changed = []
    if not steps.offers_method and not journey.method:
        journey.method = Method.CONNECT
        changed.append("method")
    if not steps.offers_entities and not journey.entity_mode:
        journey.entity_mode = EntityMode.ONE
        changed.append("entity_mode")
    if changed:
        journey.save(update_fields=changed)
    if journey.method == Method.CONNECT and journey.entity_mode == EntityMode.ONE:
        _root_task(journey)
    return journey


@transaction.atomic
def choose_method(journey: Journey, method: str) -> None:
    journey.method = method
    journey.save(update_fields=["method"])
    if method == Method.UPLOAD or journey.entity_mode == EntityMode.ONE:
        _root_task(journey)
    _audit(journey, "journey.method", f"The client chose: {Method(method).label}")


@transaction.atomic
def choose_entity_mode(journey: Journey, mode: str) -> None:
    journey.entity_mode = mode
    journey.save(update_fields=["entity_mode"])
    if mode == EntityMode.ONE:
        _root_task(journey)
    _audit(journey, "journey.entities", f"Legal entities: {EntityMode(mode).label}")


def add_entity(journey: Journey, name: str) -> EntityTask:
    key = name_key(name)
    if journey.tasks.filter(name_key=key).exists():
        raise DuplicateEntity(name)
    if journey.tasks.count() >= MAX_ENTITIES:
        raise TooManyEntities(name)
    try:
        with transaction.atomic():
            company = relationships.add_entity(journey.data_request, name)
            return EntityTask.objects.create(journey=journey, company=company, name_key=key)
    except IntegrityError:
        raise DuplicateEntity(name) from None


def choose_software(task: EntityTask, platform: str) -> None:
    task.platform = platform
    task.failure = ""
    task.failure_detail = ""
    task.save(update_fields=["platform", "failure", "failure_detail"])


def record_consent(task: EntityTask, platform: str, sections: list[ConsentSection]) -> Consent:
    text = consent_text(sections)
    journey = task.journey
    consent = Consent.objects.create(
        data_request=journey.data_request,
        company=task.company,
        platform=platform,
        text_version=CONSENT_VERSION,
        text_sha256=text_sha256(text),
        text=text,
    )
    _audit(
        journey,
        "consent.recorded",
        f"Consent to read {task.company.name} from {platform} (text {CONSENT_VERSION})",
        consent,
    )
    return consent


def has_consent(task: EntityTask, platform: str) -> bool:
    return Consent.objects.filter(
        data_request_id=task.journey.data_request_id, company=task.company, platform=platform
    ).exists()


def record_failure(task: EntityTask, failure: str, detail: str = "") -> None:
    task.failure = failure
    task.failure_detail = detail[:500]
    task.save(update_fields=["failure", "failure_detail"])
    if task.company.provision_status == ProvisionStatus.CONNECTING:
        Company.objects.filter(pk=task.company_id).update(
            provision_status=ProvisionStatus.AWAITING_CLIENT
        )


def record_connected(task: EntityTask, connection: Connection) -> None:
    """The platform sent the client back with a connection: it waits for their check."""
    task.platform = connection.platform
    task.method = Method.CONNECT
    task.failure = ""
    task.failure_detail = ""
    task.confirmed_connection = None
    task.save(
        update_fields=["platform", "method", "failure", "failure_detail", "confirmed_connection"]
    )
    Company.objects.filter(
        pk=task.company_id,
        provision_status__in=[
            ProvisionStatus.NOT_REQUESTED,
            ProvisionStatus.AWAITING_CLIENT,
            ProvisionStatus.FAILED,
            ProvisionStatus.NEEDS_REAUTHORISATION,
        ],
    ).update(provision_status=ProvisionStatus.CONNECTING)


def mark_connecting(task: EntityTask) -> None:
    Company.objects.filter(
        pk=task.company_id, provision_status__in=[ProvisionStatus.AWAITING_CLIENT, ""]
    ).update(provision_status=ProvisionStatus.CONNECTING)


def confirm_connection(task: EntityTask, connection: Connection, *, right: bool) -> None:
    """The client says whether the organisation the platform returned is the right one.

    Yes: the first sync starts. No: the grant is revoked and erased, and they try again.
    """
    from ledgerlink.connectors.services import disconnect
    from ledgerlink.sync.engine import start_sync

    journey = task.journey
    if right:
        task.confirmed_connection = connection
        task.save(update_fields=["confirmed_connection"])
        _audit(journey, "connection.confirmed", f"The client confirmed {connection.tenant_name}")
        Company.objects.filter(pk=task.company_id).update(
            provision_status=ProvisionStatus.CONNECTED
        )
        start_sync(connection)
        if not is_multi(journey):
            submit(journey)
        return
    disconnect(connection)
    _audit(
        journey,
        "connection.rejected",
        f"The client said {connection.tenant_name} is not {task.company.name}; disconnected",
    )
    record_failure(task, Failure.WRONG_COMPANY, connection.tenant_name)


def choose_organisation(task: EntityTask, connection: Connection, tenant_id: str) -> bool:
    """The client picked which organisation their login reaches holds this entity's books:
    point the connection at it, then carry on as a confirmation (the first sync starts).

    Returns False when this connection was already confirmed (a second submit): nothing
    changes then, so the organisation can never move under a running sync. Raises the
    connectors' AuthorisationFailed (AlreadyLinked when another connection holds it).
    """
    from ledgerlink.connectors.services import choose_tenant

    claimed = (
        EntityTask.objects.filter(pk=task.pk)
        .exclude(confirmed_connection=connection)
        .update(confirmed_connection=connection)
    )
    if not claimed:
        return False
    try:
        chosen = choose_tenant(connection, tenant_id)
    except BaseException:
        EntityTask.objects.filter(pk=task.pk, confirmed_connection=connection).update(
            confirmed_connection=None
        )
        raise
    confirm_connection(task, chosen, right=True)
    return True


def record_upload(task: EntityTask) -> None:
    """A file was imported for this entity (imports.services did the import)."""
    task.method = Method.UPLOAD
    task.failure = ""
    task.failure_detail = ""
    task.save(update_fields=["method", "failure", "failure_detail"])
    if not is_multi(task.journey):
        submit(task.journey)


def submit(journey: Journey) -> None:
    """Confirm and send: the request is Completed."""
    if journey.submitted_at is None:
        journey.submitted_at = timezone.now()
        journey.save(update_fields=["submitted_at"])
    relationships.mark_completed(journey.data_request)
    if is_multi(journey):
        relationships.roll_up_entities(journey.data_request.company)
