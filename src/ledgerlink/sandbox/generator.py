"""Deterministic data for a sandbox tenant, computed on the fly (Python and NumPy, no Django).

Nothing is stored row by row: record ``i`` of each data type is a function of the tenant's
seed, ``i`` and its revisions, so a tenant with a million bills costs nothing to store and any
page is computed when asked for. To be fast the hot paths draw their randomness from a fixed
table of 64k random integers instead of ``random.Random`` and write JSON text directly from
pre-escaped fragments. A full read of bills, payments or expenses (what a first sync does,
a million records at a time) is computed a page at a time with NumPy: every per-record value
at once (the same integer and float steps as the one-record definition), only a block's
settling is a Python loop, and the text is a table of pieces, one row per record, looked up
in tables of strings and joined once. Modified-since reads and single records, which touch
a few scattered blocks, go one block at a time in plain Python; tests pin both to the same
bytes.

How the pieces stay consistent:

- Bills and bill payments are generated in *blocks*. Block ``k`` owns a contiguous range of
  bills and a contiguous range of payments, all of one supplier and one currency. The
  payments of a block settle its bills along a "debt line": each payment pays the next
  1–3 bills in full, or part of one (or, when there are more payments than bills, each bill
  is paid in instalments), so allocations never exceed what a bill still owes and
  ``sum(allocations to a bill) == total - amountDue`` by construction.
- Revisions act on *units* (a block for bills and payments, one record for suppliers and
  expenses). Revision ``r`` modifies the units whose number is ``a_r`` modulo ``mod_m`` and
  deletes those that are ``d_r`` modulo ``del_m``. A modified block is settled again with the
  revision as salt (amounts due and statuses change, its payments with them); a deleted
  block takes its bills and their payments with it, so nothing ever dangles. Suppliers are
  never deleted (a platform archives them), so every bill's supplier exists.
- Base ``updatedAt`` values are always before the tenant's creation time; revision ``r``
  stamps what it touched with its own time, so "modified since" after creation is exactly
  the records revisions touched since then.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from statistics import NormalDist
from typing import Any

import numpy as np
import orjson
from numpy.typing import NDArray

from ledgerlink.sandbox import pools

M64 = (1 << 64) - 1
GOLD = 0x9E3779B97F4A7C15
MASK = 0xFFFF
DAY_MS = 86_400_000
HISTORY_DAYS = 730
SPAN_MS = HISTORY_DAYS * DAY_MS
REPORT_MONTHS = 24
BLOCK_BILLS = 4  # bills per block (payments per block vary around their average)
MAX_JITTER = 6
MAX_PAYMENTS_PER_BILL = 10

# Data types as the API names them.
COMPANY = "company"
ACCOUNTS = "accounts"
SUPPLIERS = "suppliers"
BILLS = "bills"
BILL_PAYMENTS = "bill-payments"
EXPENSES = "expenses"
PROFIT_AND_LOSS = "reports/profit-and-loss"
BALANCE_SHEET = "reports/balance-sheet"
DATA_TYPES = (
    COMPANY,
    ACCOUNTS,
    SUPPLIERS,
    BILLS,
    BILL_PAYMENTS,
    EXPENSES,
    PROFIT_AND_LOSS,
    BALANCE_SHEET,
)

# Bill statuses as the platform spells them.
OPEN, PARTIALLY_PAID, PAID, VOIDED, DRAFT = "OPEN", "PARTIALLY_PAID", "PAID", "VOIDED", "DRAFT"


def mix(x: int) -> int:
    """SplitMix64 finaliser: a well-spread 64-bit hash of an integer (for set-up, not loops)."""
    x = (x + GOLD) & M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


# 65,536 random 60-bit integers: record hashes are two lookups and an xor.
T: tuple[int, ...] = tuple(mix(n) >> 4 for n in range(MASK + 1))
C2: tuple[str, ...] = tuple(f"{c:02d}" for c in range(100))  # cents
MS3: tuple[str, ...] = tuple(f"{c:03d}" for c in range(1000))
TOD: tuple[str, ...] = tuple(
    f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)
)


def money(pence: int) -> str:
    """Integer minor units to a decimal string: 123456 -> "1234.56", -5 -> "-0.05"."""
    if pence < 0:
        return "-" + money(-pence)
    return f"{pence // 100}.{C2[pence % 100]}"


def _q(text: str) -> str:
    """`text` as a JSON string literal (quotes included)."""
    return orjson.dumps(text).decode()


def _coprime_multiplier(n: int, preferred: int) -> int:
    for candidate in (preferred, 1_000_003, 7919, 104_729, 15_485_863):
        if n <= 1 or math.gcd(candidate, n) == 1:
            return candidate
    return 1


def _lognormal_table(sigma: float) -> tuple[float, ...]:
    normal = NormalDist(0.0, sigma)
    return tuple(math.exp(normal.inv_cdf((k + 0.5) / 256)) for k in range(256))


SIZE = _lognormal_table(0.9)  # supplier size factor
VARIATION = _lognormal_table(0.45)  # one line or one expense
TERMS = (30,) * 8 + (14,) * 4 + (0,) * 2 + (45,) * 2 + (60,) * 2 + (-1,) * 2  # -1: not set
LINE_COUNTS = (1,) * 17 + (2,) * 10 + (3,) * 4 + (4,) * 1
METHODS = (pools.CARD, pools.BANK_TRANSFER, pools.CHEQUE, pools.CASH)
PREFERRED = (pools.BANK_TRANSFER,) * 11 + (pools.CARD,) * 5 + (pools.CHEQUE,) * 3 + (pools.CASH,)
EXPENSE_METHODS = (
    (pools.CARD,) * 10 + (pools.BANK_TRANSFER,) * 4 + (pools.CASH,) * 4 + (pools.CHEQUE,) * 2
)
RECORDED_PCT = (20, 50, 80, 95)
TAX_RATE = {"GB": 20, "IE": 23, "FR": 20, "DE": 19, "NL": 21, "US": 0}
CASH_LIMIT = 30_000  # larger supplier payments are never made in cash
# Per industry: the JSON opening of a bill line for every (description, account) pair.
LINE_PREFIXES: tuple[tuple[str, ...], ...] = tuple(
    tuple(
        f'{{"description":{_q(desc)},"accountId":"acc_{code}","amount":"'
        for desc in industry[3]
        for code in industry[2]
    )
    for industry in pools.INDUSTRIES
)
PAYEES_Q = tuple(_q(p) for p in pools.PAYEES)
MAX_LINES = max(LINE_COUNTS)
SPAN_BLOCKS = 4096  # blocks computed at once (about 16,000 bills): bounds a span's memory
# The same tables as NumPy arrays, for computing a whole span of bills at once.
T_NP = np.array(T, dtype=np.int64)
TERMS_NP = np.array(TERMS, dtype=np.int64)
LINE_COUNTS_NP = np.array(LINE_COUNTS, dtype=np.int64)
VARIATION_NP = np.array(VARIATION, dtype=np.float64)
# Text tables as object arrays: indexing one with an array of numbers gives the strings.
MS3_NP = np.array(MS3, dtype=object)
TOD_NP = np.array(TOD, dtype=object)
EXPENSE_METHODS_NP = np.array([METHODS.index(m) for m in EXPENSE_METHODS], dtype=np.int64)
METHODS_JSON_NP = np.array([f'"{m}"' for m in METHODS], dtype=object)
PLAIN3_NP = np.array([str(n) for n in range(1000)], dtype=object)
# "", then 0..999 plain, then 000..999 padded: the groups of digits of an amount
GROUPS_NP = np.array(["", *PLAIN3_NP, *(f"{n:03d}" for n in range(1000))], dtype=object)
CENTS_NP = np.array([f".{n:02d}" for n in range(100)], dtype=object)
MS3Z_NP = np.array([f".{n:03d}Z" for n in range(1000)], dtype=object)
PAD2_NP = np.array([f"{n:02d}" for n in range(100)], dtype=object)
JOIN_ROWS = 1024  # records joined at a time
PAD4_NP = np.array([f"{n:04d}" for n in range(10_000)], dtype=object)
STATUSES_NP = np.array([VOIDED, DRAFT, OPEN, PARTIALLY_PAID, PAID], dtype=object)
LINE_PREFIXES_NP = np.array([p for prefixes in LINE_PREFIXES for p in prefixes], dtype=object)
LINE_PREFIX_START = np.cumsum([0, *(len(p) for p in LINE_PREFIXES[:-1])])


@dataclass(frozen=True, slots=True)
class Sizes:
    suppliers: int
    bills: int
    payments: int
    expenses: int

    def validate(self) -> None:
        if min(self.suppliers, self.bills, self.payments, self.expenses) < 0:
            raise ValueError("Sizes cannot be negative.")
        if self.bills and not self.suppliers:
            raise ValueError("Bills need at least one supplier.")
        if self.payments > self.bills * MAX_PAYMENTS_PER_BILL:
            raise ValueError(
                f"At most {MAX_PAYMENTS_PER_BILL} payments per bill "
                f"({self.bills * MAX_PAYMENTS_PER_BILL} for {self.bills} bills)."
            )


@dataclass(slots=True)  # not frozen: frozen dataclasses are slow to build
class Profile:
    """What every record of one supplier shares."""

    index: int
    id: str
    name: str
    name_json: str
    country: str
    currency: str
    industry: int
    amount_base: float  # typical line amount in pence
    tax_rate: int
    terms: int  # -1: not set at the supplier (bills use 30)
    preferred: str
    recorded_pct: int
    shows_default_method: bool
    number_prefix: str  # "" when the prefix carries the year: F2025-00042
    slug: str


class _Block:
    """Bills and payments of one block, settled."""

    __slots__ = ("bill_start", "bills", "paid", "payment_start", "payments", "supplier", "updated")

    def __init__(
        self,
        supplier: Profile,
        bill_start: int,
        payment_start: int,
        bills: list[tuple[int, int, int, list[tuple[int, int, int]], int, int, str]],
        payments: list[tuple[int, int, int, list[tuple[int, int]]]],
        paid: list[int],
        updated: list[int],
    ) -> None:
        self.supplier = supplier
        self.bill_start = bill_start
        self.payment_start = payment_start
        # bill: (issue day, due day, entered ms, lines [(prefix, amount, tax)], total, flag,
        # number)
        # flag 0 normal, 1 void, 2 draft
        self.bills = bills
        # payment: (day, ms, amount, allocations [(bill position, amount)])
        self.payments = payments
        self.paid = paid  # per bill
        self.updated = updated  # per bill: max(entered, last payment) in ms


class _Span:
    """Bills and payments of the blocks [k0, k1), settled; per-bill and per-payment values in
    flat lists indexed from the span's first bill (``b0``) and first payment (``p0``)."""

    __slots__ = (
        "alloc_amount",
        "alloc_bill",
        "alloc_start",
        "b0",
        "bill_starts",
        "due",
        "due_np",
        "flag",
        "issue",
        "issue_np",
        "k0",
        "k1",
        "lines",
        "p0",
        "paid_np",
        "pay_amount",
        "pay_day",
        "pay_ms",
        "payment_starts",
        "salts",
        "suppliers",
        "total",
        "total_np",
        "updated_np",
    )

    def __init__(self) -> None:
        self.k0 = self.k1 = self.b0 = self.p0 = 0
        self.bill_starts: list[int] = []  # per block, and the end of the last one
        self.payment_starts: list[int] = []
        self.suppliers: list[Profile] = []  # per block
        self.salts: list[int] = []  # per block: the revision that last modified it, or 0
        self.issue: list[int] = []  # per bill: issue day
        self.due: list[int] = []  # due day
        self.total: list[int] = []  # pence
        self.flag: list[int] = []  # 0 normal, 1 void, 2 draft
        # The same as arrays, and what only bills show.
        empty = np.zeros(0, dtype=np.int64)
        self.issue_np = self.due_np = self.total_np = empty
        self.paid_np = empty
        self.updated_np = empty  # ms: max(entered, last payment), at most creation
        # (line count, then per line number 0..MAX_LINES-1 amount, tax, description):
        # past a bill's count, not its lines
        self.lines: tuple[
            NDArray[np.int64],
            list[NDArray[np.int64]],
            list[NDArray[np.int64]],
            list[NDArray[np.int64]],
        ] = (empty, [], [], [])
        self.pay_day: list[int] = []  # per payment
        self.pay_ms: list[int] = []
        self.pay_amount: list[int] = []
        # Allocations, flat (no tuple per payment: fewer objects for the garbage collector):
        # payment x allocates alloc_amount[a] to bill b0 + alloc_bill[a] for a in
        # range(alloc_start[x], alloc_start[x + 1]).
        self.alloc_start: list[int] = []
        self.alloc_bill: list[int] = []
        self.alloc_amount: list[int] = []


class _Revisions:
    """Which revision modified or deleted a unit (block or record) of one data type."""

    __slots__ = ("del_first", "del_m", "mod_latest", "mod_m")

    def __init__(self, units: int, count: int, key: int, *, deletions: bool) -> None:
        # About 1% of units modified and 0.1% deleted per revision in large tenants; at
        # least one modified and (from 8 units on) one deleted in small ones.
        self.mod_m = max(2, min(100, units // 2))
        self.del_m = max(8, min(1000, units))
        self.mod_latest: dict[int, int] = {}
        self.del_first: dict[int, int] = {}
        for r in range(1, count + 1):
            h = mix(key ^ (r * GOLD & M64))
            self.mod_latest[h % self.mod_m] = r
            if deletions and units >= 8:
                self.del_first.setdefault((h >> 32) % self.del_m, r)

    def modified(self, unit: int) -> int:
        return self.mod_latest.get(unit % self.mod_m, 0)

    def deleted(self, unit: int) -> int:
        return self.del_first.get(unit % self.del_m, 0) if self.del_first else 0

    def modified_array(self, units: NDArray[np.int64]) -> NDArray[np.int64]:
        """`modified` of many units at once."""
        table = np.zeros(self.mod_m, dtype=np.int64)
        for residue, r in self.mod_latest.items():
            table[residue] = r
        found: NDArray[np.int64] = table[units % self.mod_m]
        return found

    def deleted_array(self, units: NDArray[np.int64]) -> NDArray[np.int64]:
        """`deleted` of many units at once."""
        table = np.zeros(self.del_m, dtype=np.int64)
        for residue, r in self.del_first.items():
            table[residue] = r
        found: NDArray[np.int64] = table[units % self.del_m]
        return found

    def touched_after(self, revision: int) -> list[tuple[int, int]]:
        """(residue, modulus) of the units that revisions after `revision` touched."""
        pairs = [(res, self.mod_m) for res, r in self.mod_latest.items() if r > revision]
        pairs += [(res, self.del_m) for res, r in self.del_first.items() if r > revision]
        return pairs


# An emitter appends the JSON of records [lo, hi) to `out` (at most `limit` in all) and
# returns the index to continue from. since=None: a full read (deleted records left out);
# since=<stamp>: only records whose updatedAt sorts after it, tombstones included.
Emitter = Callable[[int, int, list[str], "str | None", int], int]


class Dataset:
    """All data of one tenant at one revision. Cheap to build; pages are computed on demand."""

    def __init__(
        self,
        *,
        tenant_id: str,
        name: str,
        seed: int,
        sizes: Sizes,
        base_currency: str,
        created_at: datetime,
        revision_times: Sequence[datetime] = (),
    ) -> None:
        sizes.validate()
        if base_currency not in pools.BANK_NAMES:
            raise ValueError(f"Unsupported base currency {base_currency!r}.")
        self.tenant_id = tenant_id
        self.name = name
        self.seed = seed
        self.sizes = sizes
        self.base = base_currency
        self.home = pools.HOME_COUNTRY[base_currency]
        self.banks = pools.BANK_NAMES[base_currency]
        self._foreign = [c for c in pools.COUNTRY_CODES if c != self.home]
        created = (
            created_at.replace(tzinfo=UTC) if created_at.tzinfo is None else created_at
        ).astimezone(UTC)
        self.start_date = created.date() - timedelta(days=HISTORY_DAYS)
        self._epoch = datetime.combine(self.start_date, datetime.min.time(), tzinfo=UTC)
        self.created_ms = self.to_ms(created)
        self.anchor_day = HISTORY_DAYS
        self.revision_ms = [self.to_ms(t) for t in revision_times]
        self.revision = len(self.revision_ms)
        self._dates = [
            (self.start_date + timedelta(days=d)).isoformat() for d in range(HISTORY_DAYS + 70)
        ]
        self._day_t = [d + "T" for d in self._dates]
        self._dates_np = np.array(self._dates, dtype=object)
        self._day_t_np = np.array(self._day_t, dtype=object)
        self._year_prefix_np = np.array([f"F{d[:4]}-" for d in self._dates], dtype=object)
        self._rev_stamps = ["", *(self.stamp(ms) for ms in self.revision_ms)]
        self._fx = {c: self._fx_table(c) for c in pools.GBP_PER_UNIT}
        # Where bank transfers and cheques in each currency are paid from.
        self._bank_account = {c: self._paid_from(pools.BANK_TRANSFER, c, 0) for c in self._fx}
        self._fx_np = np.array([self._fx[c] for c in self._fx], dtype=object)

        key = mix(seed & M64)
        self._keys = [mix(key ^ n) & MASK for n in range(24)]
        S, B, P = sizes.suppliers, sizes.bills, sizes.payments
        if B == 0:
            self.blocks = 0
        elif P == 0:
            self.blocks = math.ceil(B / BLOCK_BILLS)
        else:
            self.blocks = max(1, min(math.ceil(B / BLOCK_BILLS), P // 2))
        # Payment ranges start up to `jitter` places late so blocks differ in how many
        # payments they hold (one payment for three bills here, instalments there).
        self._jitter = min(MAX_JITTER, P // self.blocks - 1) if self.blocks and P else 0
        self._sup_mul = _coprime_multiplier(S, 1_000_003)
        self._sup_off = mix(key ^ 101) % S if S else 0
        self._name_mul = _coprime_multiplier(pools.NAME_BLOCK, 7919)
        self._name_off = mix(key ^ 102) % pools.NAME_BLOCK
        n = self.revision
        self.rev_suppliers = _Revisions(S, n, mix(key ^ 103), deletions=False)
        self.rev_blocks = _Revisions(self.blocks, n, mix(key ^ 104), deletions=True)
        self.rev_expenses = _Revisions(sizes.expenses, n, mix(key ^ 105), deletions=True)
        self._profiles: dict[int, Profile] = {}
        self._last_block: tuple[int, _Block] | None = None
        self._accounts = self._build_accounts()
        self._account_names = {a["code"]: a["name"] for a in self._accounts}
        self._months = self._report_months()
        self._reports: tuple[list[dict[str, Any]], list[dict[str, Any]]] | None = None
        self._emitters: dict[str, Emitter] = {
            BILLS: self._emit_bills,
            BILL_PAYMENTS: self._emit_payments,
            EXPENSES: self._emit_expenses,
            SUPPLIERS: self._emit_suppliers,
            ACCOUNTS: self._emit_list(lambda: self._accounts),
            COMPANY: self._emit_list(lambda: [self._company()]),
            PROFIT_AND_LOSS: self._emit_list(lambda: self.reports()[0]),
            BALANCE_SHEET: self._emit_list(lambda: self.reports()[1]),
        }

    # --- time and money ---------------------------------------------------------------------

    def to_ms(self, moment: datetime) -> int:
        """Milliseconds since the start of the tenant's history (UTC midnight; naive = UTC)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        delta = moment.astimezone(UTC) - self._epoch
        return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000

    def stamp(self, ms: int) -> str:
        """ISO 8601 UTC with milliseconds, e.g. 2025-03-04T10:11:12.345Z."""
        day = ms // DAY_MS
        if 0 <= day < len(self._day_t):
            return f"{self._day_t[day]}{TOD[ms // 1000 % 86_400]}.{MS3[ms % 1000]}Z"
        moment = self._epoch + timedelta(milliseconds=ms)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{MS3[ms % 1000]}Z"

    def _date(self, day: int) -> str:
        if day < len(self._dates):
            return self._dates[day]
        return (self.start_date + timedelta(days=day)).isoformat()

    def _fx_table(self, currency: str) -> list[str]:
        if currency == self.base:
            return ["1.000000"] * (HISTORY_DAYS + 8)
        ratio = pools.GBP_PER_UNIT[currency] / pools.GBP_PER_UNIT[self.base]
        phase = (mix(self.seed ^ sum(map(ord, currency))) % 1000) / 160
        return [
            f"{ratio * (1 + 0.025 * math.sin(d / 61 + phase) + 0.01 * math.sin(d / 9)):.6f}"
            for d in range(HISTORY_DAYS + 8)
        ]

    # --- suppliers ------------------------------------------------------------------------

    def _pick_supplier(self, h: int) -> int:
        """A supplier index, skewed so some suppliers get far more business than others."""
        u = (h & 0xFFFFFFFFFF) / 1_099_511_627_776
        if h & (1 << 41):
            u *= u
        S = self.sizes.suppliers
        raw = min(int(u * S), S - 1)
        return (raw * self._sup_mul + self._sup_off) % S

    def _pick_suppliers(self, h: NDArray[np.int64]) -> NDArray[np.int64]:
        """`_pick_supplier` of many hashes at once (the same float steps)."""
        S = self.sizes.suppliers
        if not S:
            return np.zeros(len(h), dtype=np.int64)
        u = (h & 0xFFFFFFFFFF) / 1_099_511_627_776
        u = np.where(h & (1 << 41) != 0, u * u, u)
        raw = np.minimum((u * S).astype(np.int64), S - 1)
        picked: NDArray[np.int64] = (raw * self._sup_mul + self._sup_off) % S
        return picked

    def profile(self, s: int) -> Profile:
        cached = self._profiles.get(s)
        if cached is not None:
            return cached
        h = mix(self._keys[0] ^ (s * GOLD & M64))
        block, variant = s % pools.NAME_BLOCK, s // pools.NAME_BLOCK
        u = (block * self._name_mul + self._name_off) % pools.NAME_BLOCK
        prefix = pools.PREFIXES[u % len(pools.PREFIXES)]
        word, industry = pools.NAME_WORDS[u // len(pools.PREFIXES)]
        suffix = pools.NAME_VARIANTS[variant % len(pools.NAME_VARIANTS)]
        if variant >= len(pools.NAME_VARIANTS):
            suffix += f" {variant // len(pools.NAME_VARIANTS) + 1}"
        foreign = self._foreign[(h >> 8) % len(self._foreign)]
        country = self.home if (h & 0xFF) < 192 else foreign  # three in four are local
        spec = pools.COUNTRIES[country]
        name = f"{prefix} {word}{suffix} {spec[1][(h >> 16) % len(spec[1])]}"
        profile = Profile(
            index=s,
            id=f"sup_{s:06d}",
            name=name,
            name_json=_q(name),
            country=country,
            currency=spec[0],
            industry=industry,
            amount_base=pools.INDUSTRIES[industry][4] * SIZE[(h >> 24) & 0xFF],
            tax_rate=TAX_RATE[country] if country == self.home else 0,
            terms=TERMS[(h >> 32) % len(TERMS)],
            preferred=PREFERRED[(h >> 40) % len(PREFERRED)],
            recorded_pct=RECORDED_PCT[(h >> 45) & 3],
            shows_default_method=(h >> 48) & 7 < 3,
            number_prefix=("INV-", "1", "SI", "")[(h >> 51) & 3],
            slug=f"{prefix}-{word}".lower().replace(" ", "-").replace("&", "and"),
        )
        self._profiles[s] = profile
        return profile

    def _emit_suppliers(
        self, lo: int, hi: int, out: list[str], since: str | None, limit: int
    ) -> int:
        S = self.sizes.suppliers
        rev = self.rev_suppliers
        span = SPAN_MS // 2
        cm1 = self.created_ms - 1
        k1 = self._keys[1]
        i = lo
        hi = min(hi, S)
        while i < hi and len(out) < limit:
            s = i
            i += 1
            salt = rev.modified(s)
            if salt:
                updated = self._rev_stamps[salt]
            else:
                updated = self.stamp(min((s * span) // S + T[(s + k1) & MASK] % DAY_MS, cm1))
            if since is not None and updated <= since:
                continue
            out.append(self._supplier_json(s, salt, updated))
        return i

    def _supplier_json(self, s: int, salt: int, updated: str) -> str:
        p = self.profile(s)
        h = mix(self._keys[2] ^ (s * GOLD & M64) ^ salt)
        spec = pools.COUNTRIES[p.country]
        city, region, stem = spec[3][h % len(spec[3])]
        street = spec[4][(h >> 8) % len(spec[4])]
        number = 1 + (h >> 16) % 180
        line1 = f"{number} {street}" if spec[5] else f"{street} {number}"
        first = pools.FIRST_NAMES[(h >> 24) % len(pools.FIRST_NAMES)]
        last = pools.LAST_NAMES[(h >> 32) % len(pools.LAST_NAMES)]
        postal, tax, registration, phone = _country_numbers(p.country, stem, h)
        if (h >> 40) % 10 < 2:
            tax = None  # sole traders and small suppliers often have none on file
        if (h >> 44) & 1:
            user = "accounts"
        else:
            user = f"{first}.{last}".lower().replace(" ", "").replace("'", "").replace("ü", "u")
        archived = (h >> 50) % (4 if salt else 20) == 0
        record = {
            "id": p.id,
            "name": p.name,
            "contact": {
                "name": f"{first} {last}",
                "email": f"{user}@{p.slug}.{spec[2]}",
                "phone": phone,
            },
            "address": {
                "line1": line1,
                "line2": pools.LINE2[(h >> 52) % 5] if (h >> 55) & 3 == 0 else None,
                "city": city,
                "region": region,
                "postalCode": postal,
                "country": p.country,
            },
            "taxNumber": tax,
            "registrationNumber": registration,
            "defaultTermsDays": None if p.terms < 0 else p.terms,
            "defaultPaymentMethod": p.preferred if p.shows_default_method else None,
            "status": "ARCHIVED" if archived else "ACTIVE",
            "updatedAt": updated,
        }
        return orjson.dumps(record).decode()

    # --- bills and payments ---------------------------------------------------------------

    def block_of_bill(self, i: int) -> int:
        return ((i + 1) * self.blocks - 1) // self.sizes.bills

    def block_of_payment(self, j: int) -> int:
        k = ((j + 1) * self.blocks - 1) // self.sizes.payments
        return k if self._payment_start(k) <= j else k - 1

    def _payment_start(self, k: int) -> int:
        P, K = self.sizes.payments, self.blocks
        if k <= 0 or k >= K or not self._jitter:
            return min(k, K) * P // K
        return k * P // K + T[(k + self._keys[11]) & MASK] % (self._jitter + 1)

    def _bill_range(self, k: int) -> tuple[int, int]:
        B, K = self.sizes.bills, self.blocks
        return k * B // K, (k + 1) * B // K

    def _payment_range(self, k: int) -> tuple[int, int]:
        return self._payment_start(k), self._payment_start(k + 1)

    def _payment_starts(self, ks: NDArray[np.int64]) -> NDArray[np.int64]:
        """`_payment_start` of many blocks at once."""
        P, K = self.sizes.payments, self.blocks
        plain = np.minimum(ks, K) * P // K
        if not self._jitter:
            return plain
        late = ks * P // K + T_NP[(ks + self._keys[11]) & MASK] % (self._jitter + 1)
        return np.where((ks <= 0) | (ks >= K), plain, late)

    def _span(self, k0: int, k1: int) -> _Span:
        """Blocks [k0, k1) settled, each at its latest revision.

        What depends on one bill or one payment alone is computed for the whole span at once
        (NumPy, exactly the integer and float steps of the one-at-a-time definition); only
        settling a block's debt line is a Python loop. Deleted blocks are computed too (the
        emitters skip them): cheaper than leaving holes.
        """
        keys = self._keys
        B, K = self.sizes.bills, self.blocks
        span = _Span()
        span.k0, span.k1 = k0, k1
        ks = np.arange(k0, k1 + 1, dtype=np.int64)
        bill_starts = ks * B // K
        payment_starts = self._payment_starts(ks) if self.sizes.payments else ks * 0
        span.bill_starts = bill_starts.tolist()
        span.payment_starts = payment_starts.tolist()
        b0, b1 = span.bill_starts[0], span.bill_starts[-1]
        p0 = span.payment_starts[0]
        span.b0, span.p0 = b0, p0
        kk = ks[:-1]
        hb_np = T_NP[(kk + keys[3]) & MASK] ^ T_NP[((kk >> 16) + keys[4]) & MASK]
        hb = hb_np.tolist()
        known, profile = self._profiles.get, self.profile
        suppliers = [known(s) or profile(s) for s in self._pick_suppliers(hb_np).tolist()]
        salts = self.rev_blocks.modified_array(kk).tolist()
        span.suppliers, span.salts = suppliers, salts

        # Per bill, for the whole span.
        block = np.repeat(np.arange(k1 - k0), np.diff(bill_starts))
        i = np.arange(b0, b1, dtype=np.int64)
        h = T_NP[(i + keys[5]) & MASK] ^ T_NP[((i >> 16) + keys[6]) & MASK]
        day = i * HISTORY_DAYS // B
        issue = np.maximum(day - (h & 7) % 5, 0)
        base_terms = np.array([30 if s.terms < 0 else s.terms for s in suppliers])[block]
        terms = np.where((h >> 3) & 15 == 0, TERMS_NP[(h >> 7) % 18], base_terms)
        entered = day * DAY_MS + 28_800_000 + (h >> 12) % 36_000_000
        base_amount = np.array([s.amount_base for s in suppliers], dtype=np.float64)[block]
        rate = np.array([s.tax_rate for s in suppliers], dtype=np.int64)[block]
        n_prefix = np.array([len(LINE_PREFIXES[s.industry]) for s in suppliers])[block]
        count = LINE_COUNTS_NP[(h >> 38) & 31]
        hl = T_NP[(h >> 20) & MASK]
        total = np.zeros(len(i), dtype=np.int64)
        taxed = rate != 0
        line_amount, line_tax, line_prefix = [], [], []
        for n in range(MAX_LINES):
            if n:
                hl = T_NP[(hl + n) & MASK]
            # float64 product truncated towards zero: what int(float * float) does
            amount = np.maximum((base_amount * VARIATION_NP[hl & 0xFF]).astype(np.int64), 500)
            tax = np.where(taxed & ((hl >> 8) & 7 != 0), (amount * rate + 50) // 100, 0)
            total += np.where(count > n, amount + tax, 0)
            line_amount.append(amount)
            line_tax.append(tax)
            line_prefix.append((hl >> 12) % n_prefix)
        span.lines = (count, line_amount, line_tax, line_prefix)
        salt = np.array(salts, dtype=np.int64)[block]
        flags = np.where(salt != 0, T_NP[(h ^ salt * 7919) & MASK], h)
        anchor = self.anchor_day
        draft = (flags >> 49) & np.where(issue > anchor - 20, 7, 127) == 0
        flag = np.where((flags >> 43) & 63 == 0, 1, np.where(draft, 2, 0))
        due = issue + terms
        span.issue_np, span.due_np, span.total_np = issue, due, total
        span.issue = issue.tolist()
        span.due = due.tolist()
        span.total = total.tolist()
        span.flag = flag.tolist()

        # Settle each block's debt line (in order: payments are numbered block by block).
        pay_day, pay_amount = span.pay_day, span.pay_amount
        alloc_start, alloc_bill, alloc_amount = span.alloc_start, span.alloc_bill, span.alloc_amount
        flat = (pay_day, pay_amount, alloc_start, alloc_bill, alloc_amount)
        issues, dues, totals, flag_list = span.issue, span.due, span.total, span.flag
        starts, pstarts = span.bill_starts, span.payment_starts
        for r in range(k1 - k0):
            count_r = pstarts[r + 1] - pstarts[r]
            if count_r:
                s_r = salts[r]
                _settle(
                    issues,
                    dues,
                    totals,
                    flag_list,
                    starts[r] - b0,
                    starts[r + 1] - b0,
                    count_r,
                    hb[r] ^ s_r * 0x9E3779B1,
                    anchor,
                    s_r > 0,
                    flat,
                )
        alloc_start.append(len(alloc_bill))
        cm1 = self.created_ms - 1
        j = np.arange(p0, p0 + len(pay_day), dtype=np.int64)
        ms = np.array(pay_day, dtype=np.int64) * DAY_MS + 32_400_000
        ms = np.minimum(ms + T_NP[(j + keys[7]) & MASK] % 28_800_000, cm1)
        span.pay_ms = ms.tolist()
        # What the bills show of their payments: amount paid, last touched.
        bill_of = np.array(alloc_bill, dtype=np.int64)
        paid = np.zeros(len(issues), dtype=np.int64)
        np.add.at(paid, bill_of, np.array(alloc_amount, dtype=np.int64))
        updated = np.minimum(entered, cm1)
        payment_of = np.repeat(np.arange(len(pay_day)), np.diff(alloc_start))
        np.maximum.at(updated, bill_of, ms[payment_of])
        span.paid_np = paid
        span.updated_np = updated
        return span

    def _spans(self, lo: int, hi: int, limit: int, block_of: Callable[[int], int]) -> _Span:
        """A span from the block of index ``lo`` on, enough for ``limit`` more records of
        [lo, hi) (bounded, so a long scan is computed a piece at a time)."""
        k0 = block_of(lo)
        k1 = block_of(min(hi, lo + limit) - 1) + 1
        return self._span(k0, min(k1, k0 + SPAN_BLOCKS))

    # --- one block at a time: modified-since reads and single records -------------------
    #
    # Incremental reads touch a few scattered blocks: computed one by one in plain Python
    # (arrays would cost more to set up than they save). Full reads use `_span` below.

    def _block(self, k: int, salt: int) -> _Block:
        # Pages visit blocks in order, once each: remembering the last block is enough (a
        # bigger cache costs more in allocator and GC work than it saves).
        ckey = k << 20 | salt
        last = self._last_block
        if last is not None and last[0] == ckey:
            return last[1]
        keys = self._keys
        B, P, K = self.sizes.bills, self.sizes.payments, self.blocks
        hb = T[(k + keys[3]) & MASK] ^ T[((k >> 16) + keys[4]) & MASK]
        supplier = self.profile(self._pick_supplier(hb))
        b0, b1 = k * B // K, (k + 1) * B // K
        p0, p1 = (self._payment_start(k), self._payment_start(k + 1)) if P else (0, 0)
        anchor = self.anchor_day
        ka, kb = keys[5], keys[6]
        base_terms = 30 if supplier.terms < 0 else supplier.terms
        base_amount = supplier.amount_base
        rate = supplier.tax_rate
        n_prefix = len(LINE_PREFIXES[supplier.industry])
        prefix = supplier.number_prefix
        number_base = supplier.index * 13
        dates = self._dates
        bills = []
        for i in range(b0, b1):
            h = T[(i + ka) & MASK] ^ T[((i >> 16) + kb) & MASK]
            day = i * HISTORY_DAYS // B
            issue = day - (h & 7) % 5
            if issue < 0:
                issue = 0
            terms = TERMS[(h >> 7) % 18] if (h >> 3) & 15 == 0 else base_terms
            entered = day * DAY_MS + 28_800_000 + (h >> 12) % 36_000_000
            lines = []
            total = 0
            hl = T[(h >> 20) & MASK]
            for n in range(LINE_COUNTS[(h >> 38) & 31]):
                if n:
                    hl = T[(hl + n) & MASK]
                amount = int(base_amount * VARIATION[hl & 0xFF])
                if amount < 500:
                    amount = 500
                tax = (amount * rate + 50) // 100 if rate and (hl >> 8) & 7 else 0
                total += amount + tax
                lines.append(((hl >> 12) % n_prefix, amount, tax))
            flags = T[(h ^ salt * 7919) & MASK] if salt else h
            if (flags >> 43) & 63 == 0:
                flag = 1
            elif (flags >> 49) & (7 if issue > anchor - 20 else 127) == 0:
                flag = 2
            else:
                flag = 0
            n = (i * 7 + number_base) % 100_000
            number = f"{prefix}{n:05d}" if prefix else f"F{dates[issue][:4]}-{n:05d}"
            bills.append((issue, issue + terms, entered, lines, total, flag, number))
        state = hb ^ salt * 0x9E3779B1
        payments = _settle_block(bills, p1 - p0, state, anchor, force_complete=salt > 0)
        paid = [0] * len(bills)
        updated = [b[2] for b in bills]
        cm1 = self.created_ms - 1
        kp = keys[7]
        settled = []
        for n, (day, amount, allocations) in enumerate(payments):
            ms = day * DAY_MS + 32_400_000 + T[(p0 + n + kp) & MASK] % 28_800_000
            if ms > cm1:
                ms = cm1
            for position, part in allocations:
                paid[position] += part
                if ms > updated[position]:
                    updated[position] = ms
            settled.append((day, ms, amount, allocations))
        block = _Block(supplier, b0, p0, bills, settled, paid, updated)
        self._last_block = (ckey, block)
        return block

    def _emit_bills(self, lo: int, hi: int, out: list[str], since: str | None, limit: int) -> int:
        B = self.sizes.bills
        hi = min(hi, B)
        if lo >= hi:
            return max(lo, hi)
        rev = self.rev_blocks
        stamps = self._rev_stamps
        dates = self._dates
        day_t = self._day_t
        cm1 = self.created_ms - 1
        i = lo
        k = self.block_of_bill(lo)
        while i < hi and len(out) < limit:
            b1 = min(hi, (k + 1) * B // self.blocks)
            deleted = rev.deleted(k)
            if deleted:
                updated = stamps[deleted]
                while i < b1 and len(out) < limit:
                    if since is not None and updated > since:
                        out.append(
                            f'{{"id":"bill_{i:07d}","deleted":true,"updatedAt":"{updated}"}}'
                        )
                    i += 1
                k += 1
                continue
            salt = rev.modified(k)
            block = self._block(k, salt)
            supplier = block.supplier
            prefixes = LINE_PREFIXES[supplier.industry]
            head = f'","supplierId":"{supplier.id}","number":"'
            currency = supplier.currency
            fx = self._fx[currency]
            while i < b1 and len(out) < limit:
                pos = i - block.bill_start
                issue, due_day, _entered, lines, total, flag, number = block.bills[pos]
                if salt:
                    updated = stamps[salt]
                else:
                    ms = block.updated[pos]
                    if ms > cm1:
                        ms = cm1
                    updated = f"{day_t[ms // DAY_MS]}{TOD[ms // 1000 % 86_400]}.{MS3[ms % 1000]}Z"
                if since is not None and updated <= since:
                    i += 1
                    continue
                due = total - block.paid[pos]
                if flag == 1:
                    status = VOIDED
                elif flag == 2:
                    status = DRAFT
                elif due == total:
                    status = OPEN
                elif due:
                    status = PARTIALLY_PAID
                else:
                    status = PAID
                if len(lines) == 1:
                    p, a, t = lines[0]
                    body = (
                        f'{prefixes[p]}{a // 100}.{C2[a % 100]}","taxAmount":"'
                        f'{t // 100}.{C2[t % 100]}"}}'
                    )
                else:
                    body = ",".join(
                        [
                            f'{prefixes[p]}{a // 100}.{C2[a % 100]}","taxAmount":"'
                            f'{t // 100}.{C2[t % 100]}"}}'
                            for p, a, t in lines
                        ]
                    )
                due_date = dates[due_day] if due_day < len(dates) else self._date(due_day)
                out.append(
                    f'{{"id":"bill_{i:07d}{head}{number}",'
                    f'"issueDate":"{dates[issue]}","dueDate":"{due_date}",'
                    f'"currency":"{currency}","fxRate":"{fx[issue]}",'
                    f'"total":"{total // 100}.{C2[total % 100]}",'
                    f'"amountDue":"{due // 100}.{C2[due % 100]}","status":"{status}",'
                    f'"lines":[{body}],"updatedAt":"{updated}"}}'
                )
                i += 1
            k += 1
        return i

    def _emit_payments(
        self, lo: int, hi: int, out: list[str], since: str | None, limit: int
    ) -> int:
        P = self.sizes.payments
        hi = min(hi, P)
        if lo >= hi:
            return max(lo, hi)
        rev = self.rev_blocks
        stamps = self._rev_stamps
        dates = self._dates
        stamp = self.stamp
        cm1 = self.created_ms - 1
        kp = self._keys[8]
        base = self.base
        i = lo
        k = self.block_of_payment(lo)
        while i < hi and len(out) < limit:
            p1 = min(hi, self._payment_start(k + 1))
            deleted = rev.deleted(k)
            if deleted:
                updated = stamps[deleted]
                while i < p1 and len(out) < limit:
                    if since is not None and updated > since:
                        out.append(f'{{"id":"pay_{i:07d}","deleted":true,"updatedAt":"{updated}"}}')
                    i += 1
                k += 1
                continue
            salt = rev.modified(k)
            block = self._block(k, salt)
            supplier = block.supplier
            currency = supplier.currency
            fx = self._fx[currency]
            head = f'","supplierId":"{supplier.id}","date":"'
            b0 = block.bill_start
            while i < p1 and len(out) < limit:
                day, ms, amount, allocations = block.payments[i - block.payment_start]
                h = T[(i + kp) & MASK]
                entered = min(ms + (h >> 40) % (2 * DAY_MS), cm1)
                updated = stamps[salt] if salt else stamp(entered)
                if since is not None and updated <= since:
                    i += 1
                    continue
                method = supplier.preferred if h % 100 < 85 else METHODS[(h >> 8) & 3]
                if method == pools.CASH and (currency != base or amount > CASH_LIMIT):
                    method = pools.CHEQUE if currency == base else pools.BANK_TRANSFER
                first = allocations[0][0]
                number = block.bills[first][6]
                recorded = (h >> 16) % 100 < supplier.recorded_pct
                reference = number if recorded else _note(method, h >> 24, number)
                method_json = f'"{method}"' if recorded else "null"
                if len(allocations) == 1:
                    a = allocations[0][1]
                    allocs = (
                        f'{{"billId":"bill_{b0 + first:07d}","amount":"{a // 100}.{C2[a % 100]}"}}'
                    )
                else:
                    allocs = ",".join(
                        [
                            f'{{"billId":"bill_{b0 + p:07d}","amount":"{a // 100}.{C2[a % 100]}"}}'
                            for p, a in allocations
                        ]
                    )
                out.append(
                    f'{{"id":"pay_{i:07d}{head}{dates[day]}","currency":"{currency}",'
                    f'"fxRate":"{fx[day]}","amount":"{amount // 100}.{C2[amount % 100]}",'
                    f'"paymentMethod":{method_json},'
                    f'"paidFromAccountId":"{self._paid_from(method, currency, h >> 12)}",'
                    f'"reference":"{reference}","allocations":[{allocs}],'
                    f'"updatedAt":"{updated}"}}'
                )
                i += 1
            k += 1
        return i

    def _paid_from(self, method: str, currency: str, h: int) -> str:
        if method == pools.CARD:
            return "acc_095" if h & 1 else "acc_096"
        if method == pools.CASH:
            return "acc_094"
        if currency == self.banks["fx1_ccy"]:
            return "acc_092"
        if currency == self.banks["fx2_ccy"]:
            return "acc_093"
        return "acc_090"

    # --- whole pages at once ----------------------------------------------------------------
    #
    # A full read of bills or payments (no modified-since) is made as a table of text pieces,
    # one row per record, filled a column at a time from NumPy lookups into tables of
    # strings, and joined once: per record that costs a fraction of formatting it in Python.
    # The pieces are exactly what the emitters above write; tests compare the two.

    def _fast_page(self, data_type: str, lo: int, hi: int) -> list[str] | None:
        """The records [lo, hi) of a full read as one text (deleted ones left out), or None
        where the fast path does not apply (very large numbers)."""
        make = self._bill_rows if data_type == BILLS else self._payment_rows
        block_of = self.block_of_bill if data_type == BILLS else self.block_of_payment
        if hi > 10_000_000:  # ids have 7 digits in the tables
            return None
        texts: list[str] = []
        i = lo
        while i < hi:
            span = self._spans(i, hi, hi - i, block_of)
            starts = span.bill_starts if data_type == BILLS else span.payment_starts
            end = min(hi, starts[-1])
            rows = make(span, i, end)
            if rows is None:
                return None
            texts += rows
            i = end
        return texts

    def _kept(self, span: _Span, starts: list[int], lo: int, hi: int) -> NDArray[np.int64]:
        """Positions (from the span's first record) of records [lo, hi) not deleted."""
        deleted = self.rev_blocks.deleted_array(np.arange(span.k0, span.k1, dtype=np.int64))
        bounds = np.array(starts, dtype=np.int64)
        alive = np.repeat(deleted == 0, bounds[1:] - bounds[:-1])
        x = np.arange(lo - starts[0], hi - starts[0])
        kept: NDArray[np.int64] = x[alive[x]]
        return kept

    def _stamp_pieces(self, ms: NDArray[np.int64], salt: NDArray[np.int64]) -> list[Any]:
        """updatedAt as pieces: its stamp where a revision modified the record, else made
        from `ms`."""
        pieces = [
            self._day_t_np[ms // DAY_MS],
            TOD_NP[ms // 1000 % 86_400],
            MS3Z_NP[ms % 1000],
        ]
        modified = np.flatnonzero(salt)
        if len(modified):
            pieces[0][modified] = np.array(self._rev_stamps, dtype=object)[salt[modified]]
            pieces[1][modified] = ""
            pieces[2][modified] = ""
        return pieces

    def _bill_rows(self, span: _Span, lo: int, hi: int) -> list[str] | None:
        x = self._kept(span, span.bill_starts, lo, hi)
        if not len(x):
            return []
        i = x + span.b0
        block = np.repeat(np.arange(span.k1 - span.k0), np.diff(span.bill_starts))[x]
        suppliers = span.suppliers
        issue = span.issue_np[x]
        total = span.total_np[x]
        due = total - span.paid_np[x]
        flag = np.array(span.flag, dtype=np.int64)[x]  # settling may have changed a flag
        status = np.where(
            flag == 1,
            0,
            np.where(flag == 2, 1, np.where(due == total, 2, np.where(due != 0, 3, 4))),
        )
        number = (i * 7 + np.array([s.index * 13 for s in suppliers])[block]) % 100_000
        own_prefix = np.array([s.number_prefix for s in suppliers], dtype=object)[block]
        number_prefix = np.where(own_prefix == "", self._year_prefix_np[issue], own_prefix)
        due_day = span.due_np[x]
        if int(due_day.max()) >= len(self._dates_np):
            return None
        currencies = list(self._fx)
        currency = np.array([currencies.index(s.currency) for s in suppliers])[block]
        industry = np.array([s.industry for s in suppliers], dtype=np.int64)[block]
        count, amounts, taxes, prefixes = span.lines
        count = count[x]
        money = [_money_pieces(v) for v in (total, due)]
        if money[0] is None or money[1] is None:
            return None
        pieces: list[Any] = [
            ',{"id":"bill_',
            PAD4_NP[i // 1000],
            MS3_NP[i % 1000],
            '","supplierId":"',
            np.array([s.id for s in suppliers], dtype=object)[block],
            '","number":"',
            number_prefix,
            PAD2_NP[number // 1000],
            MS3_NP[number % 1000],
            '","issueDate":"',
            self._dates_np[issue],
            '","dueDate":"',
            self._dates_np[due_day],
            '","currency":"',
            np.array(currencies, dtype=object)[currency],
            '","fxRate":"',
            self._fx_np[currency, issue],
            '","total":"',
            *money[0],
            '","amountDue":"',
            *money[1],
            '","status":"',
            STATUSES_NP[status],
            '","lines":[',
        ]
        start = LINE_PREFIX_START[industry]
        # The first line in the table; the further lines (about half the bills have some)
        # made apart, one text per bill.
        more = np.full(len(x), "", dtype=object)
        for n in range(MAX_LINES):
            rows = np.arange(len(x)) if n == 0 else np.flatnonzero(count > n)
            if not len(rows):
                break
            amount, tax = amounts[n][x[rows]], taxes[n][x[rows]]
            amount_money, tax_money = _money_pieces(amount), _money_pieces(tax)
            if amount_money is None or tax_money is None:
                return None
            line = [
                LINE_PREFIXES_NP[start[rows] + prefixes[n][x[rows]]],
                *amount_money,
                '","taxAmount":"',
                *tax_money,
                '"}',
            ]
            if n == 0:
                pieces += line
            else:
                texts = _join_rows([",", *line[:-1], '"}\x1e'], len(rows))[0]
                more[rows] += np.array(texts.split("\x1e")[:-1], dtype=object)
        pieces += [more, '],"updatedAt":"']
        pieces += self._stamp_pieces(span.updated_np[x], np.array(span.salts)[block])
        pieces.append('"}')
        return _join_rows(pieces, len(x), chunks=True)

    def _payment_rows(self, span: _Span, lo: int, hi: int) -> list[str] | None:
        x = self._kept(span, span.payment_starts, lo, hi)
        if not len(x):
            return []
        j = x + span.p0
        block = np.repeat(np.arange(span.k1 - span.k0), np.diff(span.payment_starts))[x]
        suppliers = span.suppliers
        h = T_NP[(j + self._keys[8]) & MASK]
        day = np.array(span.pay_day, dtype=np.int64)[x]
        amount = np.array(span.pay_amount, dtype=np.int64)[x]
        currencies = list(self._fx)
        currency = np.array([currencies.index(s.currency) for s in suppliers])[block]
        foreign = currency != currencies.index(self.base)
        preferred = np.array([METHODS.index(s.preferred) for s in suppliers])[block]
        method = np.where(h % 100 < 85, preferred, (h >> 8) & 3)
        # Larger payments and foreign ones are never cash: cheque at home, else a transfer.
        no_cash = (method == 3) & (foreign | (amount > CASH_LIMIT))
        method = np.where(no_cash, np.where(foreign, 1, 2), method)
        bank = np.array([self._bank_account[c] for c in currencies], dtype=object)[currency]
        account = np.where(
            method == 0,
            np.where((h >> 12) & 1 == 1, "acc_095", "acc_096"),
            np.where(method == 3, "acc_094", bank),
        )
        recorded_pct = np.array([s.recorded_pct for s in suppliers], dtype=np.int64)[block]
        recorded = (h >> 16) % 100 < recorded_pct
        # The bill a payment's reference quotes: the first it pays.
        alloc_start = np.array(span.alloc_start, dtype=np.int64)
        alloc_bill = np.array(span.alloc_bill, dtype=np.int64)
        first_bill = alloc_bill[alloc_start[:-1][x]]
        bill_block = np.repeat(np.arange(span.k1 - span.k0), np.diff(span.bill_starts))
        number_block = bill_block[first_bill]
        number = (
            (span.b0 + first_bill) * 7 + np.array([s.index * 13 for s in suppliers])[number_block]
        ) % 100_000
        own_prefix = np.array([s.number_prefix for s in suppliers], dtype=object)[number_block]
        number_prefix = np.where(
            own_prefix == "", self._year_prefix_np[span.issue_np[first_bill]], own_prefix
        )
        reference = number_prefix.copy()
        unrecorded = np.flatnonzero(~recorded)
        for q, m, h24, prefix, n in zip(
            unrecorded.tolist(),
            method[unrecorded].tolist(),
            (h[unrecorded] >> 24).tolist(),
            number_prefix[unrecorded].tolist(),
            number[unrecorded].tolist(),
            strict=True,
        ):
            reference[q] = _note(METHODS[m], h24, f"{prefix}{n:05d}")
        # Allocations: one row each, joined, then cut into one text per payment.
        a_money = _money_pieces(np.array(span.alloc_amount, dtype=np.int64))
        amount_money = _money_pieces(amount)
        if a_money is None or amount_money is None:
            return None
        a_bill = alloc_bill + span.b0
        n_alloc = len(a_bill)
        opens = np.zeros(n_alloc, dtype=bool)
        opens[alloc_start[:-1]] = True
        closes = np.zeros(n_alloc, dtype=bool)
        closes[alloc_start[1:] - 1] = True
        allocs = _join_rows(
            [
                np.where(opens, '{"billId":"bill_', ',{"billId":"bill_'),
                PAD4_NP[a_bill // 1000],
                MS3_NP[a_bill % 1000],
                '","amount":"',
                *a_money,
                np.where(closes, '"}\x1e', '"}'),  # NumPy drops a trailing NUL
            ],
            n_alloc,
        )[0].split("\x1e")
        entered = np.minimum(
            np.array(span.pay_ms, dtype=np.int64)[x] + (h >> 40) % (2 * DAY_MS),
            self.created_ms - 1,
        )
        pieces: list[Any] = [
            ',{"id":"pay_',
            PAD4_NP[j // 1000],
            MS3_NP[j % 1000],
            '","supplierId":"',
            np.array([s.id for s in suppliers], dtype=object)[block],
            '","date":"',
            self._dates_np[day],
            '","currency":"',
            np.array(currencies, dtype=object)[currency],
            '","fxRate":"',
            self._fx_np[currency, day],
            '","amount":"',
            *amount_money,
            '","paymentMethod":',
            np.where(recorded, METHODS_JSON_NP[method], "null"),
            ',"paidFromAccountId":"',
            account,
            '","reference":"',
            reference,
            np.where(recorded, PAD2_NP[number // 1000], ""),
            np.where(recorded, MS3_NP[number % 1000], ""),
            '","allocations":[',
            np.array(allocs, dtype=object)[x],
            '],"updatedAt":"',
            *self._stamp_pieces(entered, np.array(span.salts)[block]),
            '"}',
        ]
        return _join_rows(pieces, len(x), chunks=True)

    def _expense_rows(self, lo: int, hi: int) -> list[str] | None:
        """Expenses [lo, hi) of a full read (deleted ones left out) as texts, made like the
        bills' and payments' (see `_fast_page`)."""
        if hi > 10_000_000:
            return None
        E, S = self.sizes.expenses, self.sizes.suppliers
        e = np.arange(lo, hi, dtype=np.int64)
        rev = self.rev_expenses
        e = e[rev.deleted_array(e) == 0]
        if not len(e):
            return []
        salt = rev.modified_array(e)
        h = T_NP[(e + self._keys[9]) & MASK] ^ T_NP[((e >> 16) + self._keys[10]) & MASK]
        day = e * HISTORY_DAYS // E
        ms = day * DAY_MS + 25_200_000 + (h >> 30) % 50_400_000 + (h >> 34) % DAY_MS
        ms = np.minimum(ms, self.created_ms - 1)
        currencies = list(self._fx)
        base = currencies.index(self.base)
        # Payees that are suppliers: their profile decides most things.
        has_supplier = ((h & 0xFF) < 150) if S else np.zeros(len(e), dtype=bool)
        picked = self._pick_suppliers(T_NP[(h >> 8) & MASK] ^ h)
        wanted = np.unique(picked[has_supplier])
        profiles = [self.profile(s) for s in wanted.tolist()]
        where = np.searchsorted(wanted, picked) if len(wanted) else np.zeros(len(e), np.int64)
        where = np.where(has_supplier, np.minimum(where, max(len(wanted) - 1, 0)), 0)

        def of_profile(values: list[Any], default: Any, dtype: Any = object) -> NDArray[Any]:
            table = np.array([*values, default], dtype=dtype)
            return table[np.where(has_supplier, where, len(values))]

        industry = of_profile([p.industry for p in profiles], 0, np.int64)
        codes = [pools.INDUSTRIES[n][2] for n in range(len(pools.INDUSTRIES))]
        n_codes = np.array([len(c) for c in codes])[industry]
        code_table = np.array([c[k % len(c)] for c in codes for k in range(2)], dtype=object)
        supplier_code = code_table[industry * 2 + (h >> 20) % n_codes]
        which = (h >> 8) % len(pools.PAYEES)
        payee_code = np.array(pools.PAYEE_ACCOUNTS, dtype=object)[which]
        code = np.where(has_supplier, supplier_code, payee_code)
        supplier_currency = of_profile([currencies.index(p.currency) for p in profiles], base)
        fx1 = currencies.index(self.banks["fx1_ccy"])
        payee_currency = np.where((payee_code == "494") & ((h >> 20) & 1 == 1), fx1, base)
        currency = np.where(has_supplier, supplier_currency, payee_currency).astype(np.int64)
        preferred = of_profile([METHODS.index(p.preferred) for p in profiles], 0, np.int64)
        drawn = EXPENSE_METHODS_NP[(h >> 28) % 20]
        method = np.where(has_supplier & ((h >> 24) % 10 < 6), preferred, drawn)
        method = np.where((method == 3) & (currency != base), 0, method)  # no foreign cash
        typical_of = [ind[4] / 8 if ind[4] > 12_000 else 1500.0 for ind in pools.INDUSTRIES]
        typical = np.where(has_supplier, np.array(typical_of, dtype=np.float64)[industry], 2400.0)
        hv = np.where(salt != 0, T_NP[(h ^ salt * 7919) & MASK], h)
        amount = (
            typical * VARIATION_NP[(hv >> 36) & 0xFF] * VARIATION_NP[(hv >> 44) & 0xFF]
        ).astype(np.int64)
        amount = np.maximum(amount, 150)
        money = _money_pieces(amount)
        if money is None:
            return None
        recorded_pct = np.where(
            has_supplier, of_profile([p.recorded_pct for p in profiles], 60, np.int64), 60
        )
        recorded = (h >> 12) % 100 < recorded_pct
        refund = (h >> 52) & 127 == 0
        reference = np.full(len(e), "", dtype=object)
        unusual = np.flatnonzero(~recorded | refund | (salt != 0))
        for q, m, h40, is_recorded, is_refund, s in zip(
            unusual.tolist(),
            method[unusual].tolist(),
            (h[unusual] >> 40).tolist(),
            recorded[unusual].tolist(),
            refund[unusual].tolist(),
            salt[unusual].tolist(),
            strict=True,
        ):
            text = "" if is_recorded else _note(METHODS[m], h40, "")
            if is_refund:
                text = "Refund"
            if s:
                text = (text + " (amended)").strip()
            reference[q] = text
        bank = np.array([self._bank_account[c] for c in currencies], dtype=object)[currency]
        account = np.where(
            method == 0,
            np.where((h >> 16) & 1 == 1, "acc_095", "acc_096"),
            np.where(method == 3, "acc_094", bank),
        )
        supplier_id = of_profile([f'"{p.id}"' for p in profiles], "null")
        payee = np.where(
            has_supplier,
            of_profile([p.name_json for p in profiles], ""),
            np.array(PAYEES_Q, dtype=object)[which],
        )
        pieces: list[Any] = [
            ',{"id":"exp_',
            PAD4_NP[e // 1000],
            MS3_NP[e % 1000],
            '","supplierId":',
            supplier_id,
            ',"payee":',
            payee,
            ',"date":"',
            self._dates_np[day],
            '","currency":"',
            np.array(currencies, dtype=object)[currency],
            '","fxRate":"',
            self._fx_np[currency, day],
            '","amount":"',
            np.where(refund, "-", ""),
            *money,
            '","paymentMethod":',
            np.where(recorded, METHODS_JSON_NP[method], "null"),
            ',"paidFromAccountId":"',
            account,
            '","accountId":"acc_',
            code,
            '","reference":"',
            reference,
            '","updatedAt":"',
            *self._stamp_pieces(ms, salt),
            '"}',
        ]
        return _join_rows(pieces, len(e), chunks=True)

    # --- expenses -------------------------------------------------------------------------

    def _emit_expenses(
        self, lo: int, hi: int, out: list[str], since: str | None, limit: int
    ) -> int:
        E = self.sizes.expenses
        rev = self.rev_expenses
        stamps = self._rev_stamps
        dates = self._dates
        stamp = self.stamp
        cm1 = self.created_ms - 1
        ka, kb = self._keys[9], self._keys[10]
        base = self.base
        fx1 = self.banks["fx1_ccy"]
        has_suppliers = self.sizes.suppliers > 0
        i = lo
        hi = min(hi, E)
        while i < hi and len(out) < limit:
            e = i
            i += 1
            deleted = rev.deleted(e)
            if deleted:
                updated = stamps[deleted]
                if since is not None and updated > since:
                    out.append(f'{{"id":"exp_{e:07d}","deleted":true,"updatedAt":"{updated}"}}')
                continue
            salt = rev.modified(e)
            h = T[(e + ka) & MASK] ^ T[((e >> 16) + kb) & MASK]
            day = e * HISTORY_DAYS // E
            if salt:
                updated = stamps[salt]
            else:
                ms = day * DAY_MS + 25_200_000 + (h >> 30) % 50_400_000 + (h >> 34) % DAY_MS
                updated = stamp(min(ms, cm1))
            if since is not None and updated <= since:
                continue
            if has_suppliers and (h & 0xFF) < 150:
                supplier = self.profile(self._pick_supplier(T[(h >> 8) & MASK] ^ h))
                supplier_json = f'"{supplier.id}"'
                payee = supplier.name_json
                industry = pools.INDUSTRIES[supplier.industry]
                code = industry[2][(h >> 20) % len(industry[2])]
                currency = supplier.currency
                if (h >> 24) % 10 < 6:
                    method = supplier.preferred
                else:
                    method = EXPENSE_METHODS[(h >> 28) % 20]
                typical = industry[4] / 8 if industry[4] > 12_000 else 1500.0
                recorded_pct = supplier.recorded_pct
            else:
                which = (h >> 8) % len(pools.PAYEES)
                supplier_json = "null"
                payee = PAYEES_Q[which]
                code = pools.PAYEE_ACCOUNTS[which]
                currency = fx1 if code == "494" and (h >> 20) & 1 else base
                method = EXPENSE_METHODS[(h >> 28) % 20]
                typical = 2400.0
                recorded_pct = 60
            if method == pools.CASH and currency != base:
                method = pools.CARD
            hv = T[(h ^ salt * 7919) & MASK] if salt else h
            amount = int(typical * VARIATION[(hv >> 36) & 0xFF] * VARIATION[(hv >> 44) & 0xFF])
            if amount < 150:
                amount = 150
            recorded = (h >> 12) % 100 < recorded_pct
            reference = "" if recorded else _note(method, h >> 40, "")
            method_json = f'"{method}"' if recorded else "null"
            sign = ""
            if (h >> 52) & 127 == 0:
                sign, reference = "-", "Refund"
            if salt:
                reference = (reference + " (amended)").strip()
            out.append(
                f'{{"id":"exp_{e:07d}","supplierId":{supplier_json},"payee":{payee},'
                f'"date":"{dates[day]}","currency":"{currency}","fxRate":"{self._fx[currency][day]}",'
                f'"amount":"{sign}{amount // 100}.{C2[amount % 100]}",'
                f'"paymentMethod":{method_json},'
                f'"paidFromAccountId":"{self._paid_from(method, currency, h >> 16)}",'
                f'"accountId":"acc_{code}","reference":"{reference}","updatedAt":"{updated}"}}'
            )
        return i

    # --- accounts, company, reports -------------------------------------------------------

    def _emit_list(self, records: Callable[[], list[dict[str, Any]]]) -> Emitter:
        def emit(lo: int, hi: int, out: list[str], since: str | None, limit: int) -> int:
            items = records()
            i = lo
            hi = min(hi, len(items))
            while i < hi and len(out) < limit:
                record = items[i]
                i += 1
                if since is None or record["updatedAt"] > since:
                    out.append(orjson.dumps(record).decode())
            return i

        return emit

    def _build_accounts(self) -> list[dict[str, Any]]:
        currencies = {"base": self.base, "fx1": self.banks["fx1_ccy"], "fx2": self.banks["fx2_ccy"]}
        accounts = []
        for n, (code, name, kind, klass, bank_type, role, active) in enumerate(pools.CHART):
            accounts.append(
                {
                    "id": f"acc_{code}",
                    "code": code,
                    "name": name.format(**self.banks),
                    "type": kind,
                    "class": klass,
                    "bankAccountType": bank_type,
                    "currency": currencies[role],
                    "active": active,
                    "updatedAt": self.stamp(n * 60_000 + 36_000_000),
                }
            )
        return accounts

    def _company(self) -> dict[str, Any]:
        h = mix(self.seed ^ 0xC0C0)
        spec = pools.COUNTRIES[self.home]
        city, _region, stem = spec[3][h % len(spec[3])]
        postal, tax, registration, phone = _country_numbers(self.home, stem, h)
        words = "".join(c for c in self.name.lower() if c.isalnum() or c == " ").split()
        street = spec[4][(h >> 8) % len(spec[4])]
        number = 1 + (h >> 16) % 90
        line1 = f"{number} {street}" if spec[5] else f"{street} {number}"
        return {
            "id": self.tenant_id,
            "legalName": self.name,
            "baseCurrency": self.base,
            "registrationNumber": registration or f"{mix(h ^ 1) % 10**8:08d}",
            "taxNumber": tax,
            "phone": phone,
            "website": f"https://www.{'-'.join(words[:3]) or 'company'}.example",
            "addresses": [
                {
                    "type": "REGISTERED",
                    "line1": line1,
                    "city": city,
                    "postalCode": postal,
                    "country": self.home,
                },
                {
                    "type": "TRADING",
                    "line1": f"Unit {1 + (h >> 24) % 30}, {street}",
                    "city": city,
                    "postalCode": postal,
                    "country": self.home,
                },
            ],
            "updatedAt": self.stamp(min(SPAN_MS - 30 * DAY_MS, self.created_ms - 1)),
        }

    def _report_months(self) -> list[tuple[date, date]]:
        created = self.start_date + timedelta(days=HISTORY_DAYS)
        months = []
        end = created.replace(day=1) - timedelta(days=1)
        for _ in range(REPORT_MONTHS):
            start = end.replace(day=1)
            months.append((start, end))
            end = start - timedelta(days=1)
        return months[::-1]

    def reports(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(profit and loss, balance sheet): one record per month, oldest first."""
        if self._reports is None:
            self._reports = _build_reports(self)
        return self._reports

    def _row(self, section: str, code: str, value: int) -> dict[str, Any]:
        return {
            "section": section,
            "accountId": f"acc_{code}",
            "accountName": self._account_names[code],
            "amount": money(value),
        }

    def _month_stamp(self, end: date) -> str:
        ms = ((end - self.start_date).days + 4) * DAY_MS + 21_600_000
        return self.stamp(min(ms, self.created_ms - 1))

    # --- reading --------------------------------------------------------------------------

    def count(self, data_type: str) -> int:
        """How many indices a data type has (deleted records included)."""
        return {
            COMPANY: 1,
            ACCOUNTS: len(self._accounts),
            SUPPLIERS: self.sizes.suppliers,
            BILLS: self.sizes.bills,
            BILL_PAYMENTS: self.sizes.payments,
            EXPENSES: self.sizes.expenses,
            PROFIT_AND_LOSS: len(self._months),
            BALANCE_SHEET: len(self._months),
        }[data_type]

    def page_json(
        self, data_type: str, start: int, size: int, modified_since: datetime | None = None
    ) -> tuple[str, int | None]:
        """A JSON array of records from index ``start`` on, and where to continue (or None).

        A full read covers indices [start, start+size) and leaves deleted records out. With
        ``modified_since`` only records updated after it come back, tombstones included.
        """
        records, nxt = self.page_records(data_type, start, size, modified_since)
        return f"[{','.join(records)}]", nxt

    def page_records(
        self, data_type: str, start: int, size: int, modified_since: datetime | None = None
    ) -> tuple[list[str], int | None]:
        """`page_json` as the JSON text of each record (for joining into a bigger document
        without copying a page of text more often than needed)."""
        emit = self._emitters[data_type]
        total = self.count(data_type)
        out: list[str] = []
        if modified_since is None:
            end = min(total, start + size)
            fast = None
            if data_type in (BILLS, BILL_PAYMENTS) and start < end:
                fast = self._fast_page(data_type, start, end)
            elif data_type == EXPENSES and start < end:
                fast = self._expense_rows(start, end)
            if fast is not None:
                out = fast
            else:
                emit(start, end, out, None, size)
            return out, (end if end < total else None)
        since_ms = self.to_ms(modified_since)
        since = self.stamp(max(since_ms, -1))
        if since_ms < self.created_ms:
            # Base records may qualify: scan, a bounded stretch per page.
            end = min(total, start + max(size * 20, 50_000))
            nxt = emit(start, end, out, since, size)
            return out, (nxt if nxt < total else None)
        # After creation only what later revisions touched can qualify.
        after = sum(1 for ms in self.revision_ms if ms <= since_ms)
        scheme = self._units(data_type)
        if scheme is None:
            return out, None
        revisions, unit_of, unit_range = scheme
        pairs = revisions.touched_after(after)
        i = start
        while pairs and i < total and len(out) < size:
            unit = unit_of(i)
            nxt_unit = min(unit + (res - unit) % mod for res, mod in pairs)
            lo, hi = unit_range(nxt_unit)
            if lo >= total:
                i = total
                break
            i = emit(max(i, lo), hi, out, since, size)
        return out, (i if pairs and i < total else None)

    def page(
        self, data_type: str, start: int, size: int, modified_since: datetime | None = None
    ) -> tuple[list[dict[str, Any]], int | None]:
        """`page_json`, parsed."""
        text, nxt = self.page_json(data_type, start, size, modified_since)
        records: list[dict[str, Any]] = orjson.loads(text)
        return records, nxt

    def record(self, data_type: str, i: int) -> dict[str, Any] | None:
        """Record ``i`` as it stands (its tombstone if deleted), or None past the end."""
        out: list[str] = []
        self._emitters[data_type](i, i + 1, out, "", 1)
        if not out:
            return None
        found: dict[str, Any] = orjson.loads(out[0])
        return found

    def _units(
        self, data_type: str
    ) -> tuple[_Revisions, Callable[[int], int], Callable[[int], tuple[int, int]]] | None:
        if data_type == BILLS:
            return self.rev_blocks, self.block_of_bill, self._bill_range
        if data_type == BILL_PAYMENTS:
            return self.rev_blocks, self.block_of_payment, self._payment_range
        if data_type == SUPPLIERS:
            return self.rev_suppliers, _same, _one
        if data_type == EXPENSES:
            return self.rev_expenses, _same, _one
        return None


def _same(i: int) -> int:
    return i


def _one(u: int) -> tuple[int, int]:
    return u, u + 1


def _note(method: str, h: int, number: str) -> str:
    """A free-text reference that sometimes gives the payment method away."""
    pick = h % 10
    if pick >= 6:
        return number
    if method == pools.BANK_TRANSFER:
        return ("BACS", "Faster Payment", f"BACS {number}".strip(), "FPS transfer")[pick % 4]
    if method == pools.CHEQUE:
        if pick % 2:
            return f"cheque {(h >> 8) % 1_000_000:06d}"
        return f"Chq {(h >> 8) % 1_000_000:06d}"
    if method == pools.CARD:
        return ("Card payment", "Paid by card", number, "Online card payment")[pick % 4]
    return ("Paid in cash", "petty cash", number, "Cash")[pick % 4]


def _country_numbers(country: str, stem: str, h: int) -> tuple[str, str | None, str | None, str]:
    """(postal code, tax number, registration number, phone) in the country's formats."""
    digits = f"{mix(h) % 10**9:09d}"
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    a, b = letters[h % 20], letters[(h >> 5) % 20]
    if country == "GB":
        postal = f"{stem} {h % 9 + 1}{a}{b}"
        return postal, f"GB{digits}", f"0{digits[:7]}", f"+44 113 496 0{digits[:3]}"
    if country == "IE":
        return (
            f"{stem} {a}{digits[:3]}",
            f"IE{digits[:7]}{a}",
            digits[:6],
            f"+353 1 555 {digits[:4]}",
        )
    if country == "FR":
        phone = f"+33 1 99 00 {digits[:2]} {digits[2:4]}"
        return f"{stem}{h % 10:02d}", f"FR{digits[:2]}{digits}", digits, phone
    if country == "DE":
        return (
            f"{stem}{h % 100:02d}",
            f"DE{digits}",
            f"HRB {digits[:5]}",
            f"+49 30 5550 {digits[:4]}",
        )
    if country == "NL":
        return f"{stem} {a}{b}", f"NL{digits}B01", digits[:8], f"+31 20 555 {digits[:4]}"
    phone = f"+1 {212 + h % 700:03d}-555-01{digits[:2]}"
    return f"{stem}{h % 100:02d}", f"{digits[:2]}-{digits[2:]}0", None, phone


def _money_pieces(pence: NDArray[np.int64]) -> list[Any] | None:
    """Columns of text pieces that spell amounts as `money` does (non-negative amounts under
    a billion pounds; None otherwise)."""
    if len(pence) and (int(pence.min()) < 0 or int(pence.max()) >= 100 * 10**9):
        return None
    # Groups of three digits: the first without leading zeros, the others padded; one
    # lookup each in a table that holds both spellings (and "" for a group not there).
    pounds = pence // 100
    big = pounds >= 1000
    pieces = []
    if int(pounds.max(initial=0)) >= 1_000_000:
        huge = pounds >= 1_000_000
        pieces.append(GROUPS_NP[np.where(huge, 1 + pounds // 1_000_000, 0)])
        thousands = np.where(huge, 1001, 1) + pounds // 1000 % 1000
        pieces.append(GROUPS_NP[np.where(big, thousands, 0)])
    else:
        pieces.append(GROUPS_NP[np.where(big, 1 + pounds // 1000, 0)])
    pieces.append(GROUPS_NP[1 + pounds % 1000 + big * 1000])
    pieces.append(CENTS_NP[pence % 100])
    return pieces


def _join_rows(pieces: list[Any], rows: int, *, chunks: bool = False) -> list[str]:
    """Rows of pieces (columns: a string for every row, or an array with one per row) as
    text: one text, or with `chunks` one per JOIN_ROWS rows, each without the comma that
    opens its first row. Small tables keep the memory a page needs small and reused (fresh
    memory costs page faults)."""
    step = JOIN_ROWS if chunks else max(rows, 1)
    texts = []
    for lo in range(0, rows, step):
        hi = min(rows, lo + step)
        table = np.empty((hi - lo, len(pieces)), dtype=object)
        for column, piece in enumerate(pieces):
            table[:, column] = piece if isinstance(piece, str) else piece[lo:hi]
        if chunks:
            table[0, 0] = table[0, 0][1:]
        texts.append("".join(table.ravel().tolist()))
    return texts


def _settle_block(
    bills: list[tuple[int, int, int, list[tuple[int, int, int]], int, int, str]],
    count: int,
    state: int,
    anchor_day: int,
    *,
    force_complete: bool,
) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """`_settle` for one block of bill tuples: [(day, amount, [(bill, amount)])]."""
    flag = [b[5] for b in bills]
    out: tuple[list[int], list[int], list[int], list[int], list[int]] = ([], [], [], [], [])
    _settle(
        [b[0] for b in bills],
        [b[1] for b in bills],
        [b[4] for b in bills],
        flag,
        0,
        len(bills),
        count,
        state,
        anchor_day,
        force_complete,
        out,
    )
    if bills and flag[0] != bills[0][5]:  # nothing was payable: the first bill is now
        first = bills[0]
        bills[0] = (first[0], first[1], first[2], first[3], first[4], flag[0], first[6])
    days, amounts, starts, positions, parts = out
    starts.append(len(positions))
    return [
        (day, amount, list(zip(positions[a:b], parts[a:b], strict=True)))
        for day, amount, a, b in zip(days, amounts, starts, starts[1:], strict=False)
    ]


def _settle(
    issue: list[int],
    due: list[int],
    total: list[int],
    flag: list[int],
    lo: int,
    hi: int,
    count: int,
    state: int,
    anchor_day: int,
    force_complete: bool,
    out: tuple[list[int], list[int], list[int], list[int], list[int]],
) -> None:
    """Cut the debt line of bills [lo, hi) into `count` payments, appended to
    `out` = (day, amount, first allocation, allocated bill, allocated amount) lists. A block
    with nothing payable has its first bill made payable (`flag[lo] = 0`)."""
    if count == 0 or hi <= lo:
        return
    payable = [p for p in range(lo, hi) if not flag[p]]
    if not payable:
        payable = [lo]
        flag[lo] = 0
    recent = issue[hi - 1] > anchor_day - 45
    complete_pct = 100 if force_complete else 50 if recent else 90
    pay_day, pay_amount, alloc_start, alloc_bill, alloc_amount = out
    add_day, add_amount, add_start = pay_day.append, pay_amount.append, alloc_start.append
    add_bill, add_part = alloc_bill.append, alloc_amount.append
    nbp = len(payable)
    if count >= nbp:
        # Instalments: every payable bill gets at least one payment.
        per_bill, extra = divmod(count, nbp)
        draw = state
        for slot, position in enumerate(payable):
            start, whole = issue[position], total[position]
            parts = per_bill + 1 if slot < extra else per_bill
            if slot == nbp - 1:
                r = T[draw & MASK]
                if r % 100 >= complete_pct:
                    whole = max(parts, whole * (50 + (r >> 8) % 40) // 100)
            terms = due[position] - start
            if terms < 7 * parts:
                terms = 7 * parts
            if parts == 1:
                day = start + terms
                add_day(day if day < anchor_day else anchor_day)
                add_amount(whole)
                add_start(len(alloc_bill))
                add_bill(position)
                add_part(whole)
                continue
            paid = 0
            for t in range(parts):
                if t == parts - 1:
                    amount = whole - paid
                else:
                    draw += 1
                    amount = (whole - paid) // (parts - t) * (80 + T[draw & MASK] % 40) // 100
                    ceiling = whole - paid - (parts - t - 1)
                    amount = 1 if amount < 1 else ceiling if amount > ceiling else amount
                paid += amount
                day = start + ((t + 1) * terms) // parts
                add_day(day if day < anchor_day else anchor_day)
                add_amount(amount)
                add_start(len(alloc_bill))
                add_bill(position)
                add_part(amount)
        return
    # Fewer payments than bills: each pays the next 1–3 bills, or part of one.
    remaining = [total[p] for p in payable]
    pos = 0
    for n in range(count):
        left_after = count - n - 1
        r = T[(state + n) & MASK]
        roll = r % 100
        if left_after == 0:
            cover = min(nbp - pos, 3) if roll < complete_pct else 0
        else:
            cover = 1 if roll < 75 else 2 if roll < 88 else 3 if roll < 95 else 0
            if cover > nbp - pos - left_after:
                cover = nbp - pos - left_after
        first = payable[pos]
        add_start(len(alloc_bill))
        if cover == 0:
            rem = remaining[pos]
            amount = rem if rem < 2 else max(1, rem * (20 + (r >> 8) % 60) // 100)
            if amount >= 10_000:
                amount -= amount % 100  # round pounds for larger part-payments
            add_bill(first)
            add_part(amount)
            remaining[pos] = rem - amount
            latest = issue[first]
            if rem == amount:
                pos += 1
        else:
            amount = 0
            latest = 0
            for q in range(pos, pos + cover):
                position = payable[q]
                add_bill(position)
                add_part(remaining[q])
                amount += remaining[q]
                remaining[q] = 0
                if issue[position] > latest:
                    latest = issue[position]
            pos += cover
        terms = due[first] - issue[first]
        r2 = r >> 16
        if cover == 0:
            delay = r2 % (terms + 1)
        elif r2 % 10 < 7:
            delay = terms - (r2 >> 4) % (terms // 3 + 1)
        else:
            delay = terms + 1 + (r2 >> 4) % 30
        day = latest + delay
        add_day(day if day < anchor_day else anchor_day)
        add_amount(amount)


def _build_reports(ds: Dataset) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Monthly P&L and balance sheets whose totals agree (assets = liabilities + equity)."""
    scale = int(max(ds.sizes.bills, 50) * 90_000 / REPORT_MONTHS * 1.35)
    income_shares = (("200", 1000), ("260", 20), ("270", 3))
    cost_shares = (("310", 350), ("320", 80), ("325", 30))
    expense_shares = (
        ("477", 220), ("469", 50), ("400", 30), ("412", 20), ("445", 15), ("489", 8),
        ("485", 12), ("495", 15), ("493", 10), ("494", 6), ("449", 10), ("433", 7),
        ("453", 8), ("404", 2), ("416", 10), ("437", 4), ("420", 5), ("429", 5),
    )  # fmt: skip
    pl_records: list[dict[str, Any]] = []
    bs_records: list[dict[str, Any]] = []
    retained = 3 * scale
    loan = 2 * scale
    equipment = scale
    key = mix(ds.seed ^ 0xBEEF)
    for m, (start, end) in enumerate(ds._months):
        h = mix(key ^ (m * GOLD & M64))
        season = 1 + 0.15 * math.sin((start.month - 3) / 12 * 2 * math.pi)
        sales = int(scale * season * (0.9 + (h % 200) / 1000))

        def amount(share: int, salt: int, h: int = h, sales: int = sales) -> int:
            return int(sales * share / 1000 * (0.85 + (mix(h ^ salt) % 300) / 1000))

        rows: list[dict[str, Any]] = []
        totals: dict[str, int] = {}
        for section, shares, key_name in (
            ("Income", income_shares, "income"),
            ("Cost of Sales", cost_shares, "costOfSales"),
            ("Operating Expenses", expense_shares, "operatingExpenses"),
        ):
            subtotal = 0
            for code, share in shares:
                value = amount(share, int(code))
                subtotal += value
                rows.append(ds._row(section, code, value))
            totals[key_name] = subtotal
        gross = totals["income"] - totals["costOfSales"]
        net = gross - totals["operatingExpenses"]
        pl_records.append(
            {
                "id": f"pl-{start:%Y-%m}",
                "periodStart": start.isoformat(),
                "periodEnd": end.isoformat(),
                "currency": ds.base,
                "rows": rows,
                "totals": {
                    "income": money(totals["income"]),
                    "costOfSales": money(totals["costOfSales"]),
                    "grossProfit": money(gross),
                    "operatingExpenses": money(totals["operatingExpenses"]),
                    "netProfit": money(net),
                },
                "updatedAt": ds._month_stamp(end),
            }
        )
        retained += net
        loan = max(0, loan - scale // 40)
        equipment = max(scale // 4, equipment - scale // 60 + (scale // 5 if m % 6 == 0 else 0))
        assets = [
            ("091", amount(300, 1)),
            ("092", amount(60, 2)),
            ("093", amount(30, 3)),
            ("094", 20_000 + mix(h ^ 4) % 30_000),
            ("097", amount(10, 5)),
            ("610", amount(1200, 6)),
            ("620", amount(60, 7)),
            ("630", amount(170, 8)),
            ("710", equipment * 2 // 5),
            ("720", equipment * 3 // 5),
        ]
        liabilities = [
            ("800", amount(800, 9)),
            ("820", amount(40, 10)),
            ("825", amount(60, 11)),
            ("095", amount(20, 12)),
            ("096", amount(10, 13)),
            ("900", loan),
        ]
        equity = [("970", scale // 10), ("960", retained)]
        total_liabilities = sum(v for _c, v in liabilities)
        total_equity = sum(v for _c, v in equity)
        current = total_liabilities + total_equity - sum(v for _c, v in assets)
        assets.insert(0, ("090", current))
        bs_records.append(
            {
                "id": f"bs-{start:%Y-%m}",
                "periodStart": start.isoformat(),
                "periodEnd": end.isoformat(),
                "currency": ds.base,
                "rows": [ds._row("Assets", code, v) for code, v in assets]
                + [ds._row("Liabilities", code, v) for code, v in liabilities]
                + [ds._row("Equity", code, v) for code, v in equity],
                "totals": {
                    "assets": money(sum(v for _c, v in assets)),
                    "liabilities": money(total_liabilities),
                    "equity": money(total_equity),
                },
                "updatedAt": ds._month_stamp(end),
            }
        )
    return pl_records, bs_records
