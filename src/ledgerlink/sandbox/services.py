"""Creating sandbox tenants and reading their generated data.

The sandbox is a stand-in for a remote accounting platform: nothing here imports ledgerlink.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections import OrderedDict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ledgerlink.sandbox.generator import Dataset, Sizes
from ledgerlink.sandbox.models import SandboxClient, SandboxTenant

DEFAULT_CLIENT_ID = "ledgerlink-sandbox"
DEFAULT_CLIENT_SECRET = "sandbox-secret"  # noqa: S105 - a public demo credential

# Size presets: (suppliers, bills, payments, expenses).
SIZE_PRESETS: dict[str, tuple[int, int, int, int]] = {
    "demo": (20, 300, 260, 150),
    "small": (200, 3_000, 2_600, 1_500),
    "medium": (2_000, 50_000, 45_000, 20_000),
    "large": (10_000, 250_000, 230_000, 80_000),
    "benchmark": (50_000, 1_000_000, 1_000_000, 300_000),
}

# (name, seed, suppliers, bills, payments, expenses, base currency)
DEMO_TENANTS: tuple[tuple[str, int, int, int, int, int, str], ...] = (
    ("Harbour Logistics Ltd", 1001, 20, 300, 260, 150, "GBP"),
    ("Copperleaf Catering", 1002, 200, 3000, 2600, 1500, "GBP"),
    ("Bluewater Trading Ltd", 1003, 60, 900, 800, 400, "EUR"),
)
# Demo tenants get stable ids so links and fixtures survive a database reset.
_DEMO_NAMESPACE = uuid.UUID("6f1c3a52-6a39-4d5e-9c55-0d7d2f6b7e10")


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def create_tenant(
    name: str,
    seed: int,
    suppliers: int,
    bills: int,
    payments: int,
    expenses: int,
    *,
    base_currency: str = "GBP",
    public_id: str | None = None,
    rate_limit_per_minute: int = 600,
) -> SandboxTenant:
    """A tenant of any size; storing it costs one row whatever the sizes."""
    Sizes(suppliers, bills, payments, expenses).validate()
    tenant = SandboxTenant(
        name=name,
        seed=seed,
        suppliers=suppliers,
        bills=bills,
        payments=payments,
        expenses=expenses,
        base_currency=base_currency,
        rate_limit_per_minute=rate_limit_per_minute,
    )
    if public_id:
        tenant.public_id = public_id
    # Generated timestamps have millisecond precision; keep creation on that grid.
    now = timezone.now()
    tenant.created_at = now.replace(microsecond=now.microsecond // 1000 * 1000)
    tenant.full_clean()
    tenant.save()
    return tenant


def create_preset_tenant(
    name: str, preset: str, *, seed: int = 1, base_currency: str = "GBP"
) -> SandboxTenant:
    """A tenant of one of the SIZE_PRESETS sizes ("demo" … "benchmark")."""
    try:
        suppliers, bills, payments, expenses = SIZE_PRESETS[preset]
    except KeyError:
        raise ValueError(f"Unknown preset {preset!r}; one of {', '.join(SIZE_PRESETS)}.") from None
    return create_tenant(
        name, seed, suppliers, bills, payments, expenses, base_currency=base_currency
    )


def ensure_demo_tenants() -> list[SandboxTenant]:
    """The demo organisations at the platform, created once (idempotent)."""
    tenants = []
    for name, seed, suppliers, bills, payments, expenses, currency in DEMO_TENANTS:
        public_id = str(uuid.uuid5(_DEMO_NAMESPACE, name))
        tenant = SandboxTenant.objects.filter(public_id=public_id).first()
        if tenant is None:
            tenant = create_tenant(
                name,
                seed,
                suppliers,
                bills,
                payments,
                expenses,
                base_currency=currency,
                public_id=public_id,
            )
        tenants.append(tenant)
    return tenants


def bump_revision(tenant: SandboxTenant, *, at: datetime | None = None) -> int:
    """Edit and delete a few records (deterministically); returns the new revision."""
    with transaction.atomic():
        locked = SandboxTenant.objects.select_for_update().get(pk=tenant.pk)
        moment = at or timezone.now()
        moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
        times = list(locked.revision_times)
        if times:
            # Revisions are strictly ordered in time (the generator relies on it).
            last = datetime.fromisoformat(times[-1])
            if moment <= last:
                moment = last + timedelta(milliseconds=1)
        times.append(moment.isoformat())
        SandboxTenant.objects.filter(pk=locked.pk).update(
            revision=F("revision") + 1, revision_times=times
        )
    tenant.refresh_from_db()
    return tenant.revision


_DATASETS: OrderedDict[tuple[object, ...], Dataset] = OrderedDict()
_DATASETS_LOCK = threading.Lock()


def dataset(tenant: SandboxTenant) -> Dataset:
    """The tenant's generated data at its current revision (cached per process)."""
    key = (
        tenant.pk,
        tenant.public_id,
        tenant.name,
        tenant.seed,
        tenant.suppliers,
        tenant.bills,
        tenant.payments,
        tenant.expenses,
        tenant.base_currency,
        tenant.created_at,
        tuple(tenant.revision_times),
    )
    with _DATASETS_LOCK:
        found = _DATASETS.get(key)
        if found is not None:
            _DATASETS.move_to_end(key)
            return found
    built = Dataset(
        tenant_id=tenant.public_id,
        name=tenant.name,
        seed=tenant.seed,
        sizes=Sizes(tenant.suppliers, tenant.bills, tenant.payments, tenant.expenses),
        base_currency=tenant.base_currency,
        created_at=tenant.created_at,
        revision_times=[datetime.fromisoformat(t) for t in tenant.revision_times],
    )
    with _DATASETS_LOCK:
        _DATASETS[key] = built
        while len(_DATASETS) > 8:
            _DATASETS.popitem(last=False)
    return built


def client_credentials() -> tuple[str, str]:
    client_id = getattr(settings, "SANDBOX_CLIENT_ID", "") or DEFAULT_CLIENT_ID
    secret = getattr(settings, "SANDBOX_CLIENT_SECRET", "") or DEFAULT_CLIENT_SECRET
    return str(client_id), str(secret)


def ensure_client() -> SandboxClient:
    """The registered client, mirrored from settings (a changed secret replaces the old)."""
    client_id, secret = client_credentials()
    secret_hash = sha256(secret)
    client, created = SandboxClient.objects.get_or_create(
        client_id=client_id, defaults={"secret_hash": secret_hash}
    )
    if not created and client.secret_hash != secret_hash:
        client.secret_hash = secret_hash
        client.save(update_fields=["secret_hash"])
    return client
