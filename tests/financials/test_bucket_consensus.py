"""The chart's own consensus on the level-2 bucket (same code prefix, same parent)."""

from __future__ import annotations

import numpy as np

from ledgerlink.financials.categorise.engine import (
    TYPES,
    AccountInput,
    Weights,
    _bucket_consensus,
    _layout,
    buckets,
)


def _scores(rows: list[dict[str, float]]) -> np.ndarray:
    names = buckets()
    out = np.full((len(rows), len(names)), -5.0, dtype=np.float32)
    for i, row in enumerate(rows):
        for bucket, score in row.items():
            out[i, names.index(bucket)] = score
    return out


def test_an_undecided_account_takes_the_bucket_of_its_siblings_and_prefix():
    names = buckets()
    chart = [AccountInput(name=f"Loan {i}", code=f"16{i}0", parent_name="Loans") for i in range(4)]
    undecided = {"current_liability": 0.0, "non_current_liability": 0.0}
    sure = {"current_liability": -3.0, "non_current_liability": 3.0}
    scores = _scores([undecided, sure, sure, sure])
    liability = np.zeros((4, len(TYPES)), dtype=np.float32)
    liability[:, TYPES.index("liability")] = 1.0
    digits = [a.code for a in chart]
    out = _bucket_consensus(scores, liability, chart, digits, Weights(), _layout())
    assert names[int(out[0].argmax())] == "non_current_liability"
    # without the consensus the first account stays undecided (a tie, the first bucket wins)
    off = Weights(bucket_prefix2=0.0, bucket_siblings=0.0)
    same = _bucket_consensus(scores, liability, chart, digits, off, _layout())
    assert np.array_equal(same, scores)


def test_an_account_alone_in_its_prefix_and_parent_keeps_its_own_bucket():
    chart = [
        AccountInput(name="Bank", code="1000", parent_name="Cash"),
        AccountInput(name="Loan", code="2500", parent_name="Debt"),
    ]
    scores = _scores([{"cash": 2.0}, {"non_current_liability": 2.0}])
    kinds = np.zeros((2, len(TYPES)), dtype=np.float32)
    kinds[0, TYPES.index("asset")] = kinds[1, TYPES.index("liability")] = 1.0
    out = _bucket_consensus(scores, kinds, chart, ["1000", "2500"], Weights(), _layout())
    # no other member: every bucket gets the same (uniform) consensus, the order stays
    assert [buckets()[int(i)] for i in out.argmax(axis=1)] == ["cash", "non_current_liability"]
