"""The chart's own consensus on the level-2 bucket (same code prefix, same parent), and
parents resolved within the chart."""

from __future__ import annotations

import numpy as np

from ledgerlink.financials.categorise.engine import (
    TYPES,
    AccountInput,
    Weights,
    _bucket_consensus,
    _layout,
    ancestors_in_chart,
    buckets,
    parent_indices,
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
    undecided = {"current_liability": 0.0, "non_current_liability": 0.0}
    sure = {"current_liability": -3.0, "non_current_liability": 3.0}
    scores = _scores([undecided, sure, sure, sure])
    liability = np.zeros((4, len(TYPES)), dtype=np.float32)
    liability[:, TYPES.index("liability")] = 1.0
    digits = [f"16{i}0" for i in range(4)]
    out = _bucket_consensus(scores, liability, digits, ["#loans"] * 4, Weights(), _layout())
    assert names[int(out[0].argmax())] == "non_current_liability"
    # without the consensus the first account stays undecided (a tie, the first bucket wins)
    off = Weights(bucket_prefix2=0.0, bucket_siblings=0.0)
    same = _bucket_consensus(scores, liability, digits, ["#loans"] * 4, off, _layout())
    assert np.array_equal(same, scores)


def test_an_account_alone_in_its_prefix_and_parent_keeps_its_own_bucket():
    scores = _scores([{"cash": 2.0}, {"non_current_liability": 2.0}])
    kinds = np.zeros((2, len(TYPES)), dtype=np.float32)
    kinds[0, TYPES.index("asset")] = kinds[1, TYPES.index("liability")] = 1.0
    out = _bucket_consensus(scores, kinds, ["1000", "2500"], ["#0", "#1"], Weights(), _layout())
    # no other member: every bucket gets the same (uniform) consensus, the order stays
    assert [buckets()[int(i)] for i in out.argmax(axis=1)] == ["cash", "non_current_liability"]


def test_a_parent_named_like_another_group_is_the_one_whose_code_begins_the_accounts():
    chart = [
        AccountInput(name="Depreciation", code="64", parent_name="Expenses"),
        AccountInput(name="Fixed assets", code="43", parent_name="Assets"),
        AccountInput(name="Buildings", code="432", parent_name="Fixed assets"),
        AccountInput(name="Buildings", code="642", parent_name="Depreciation"),
        AccountInput(name="Office", code="6422", parent_name="Buildings"),
        AccountInput(name="Office", code="4322", parent_name="Buildings"),
    ]
    assert parent_indices(chart)[4:] == [3, 2]
    chains = ancestors_in_chart(chart)
    assert chains[4] == ["Buildings", "Depreciation", "Expenses"]
    assert chains[5] == ["Buildings", "Fixed assets", "Assets"]
    # without codes the first namesake is taken
    bare = [AccountInput(name=a.name, parent_name=a.parent_name) for a in chart]
    assert parent_indices(bare)[4:] == [2, 2]


def test_where_no_namesake_begins_the_code_the_parent_is_the_one_nearest_by_code():
    # Portuguese SNC: "6411 Land" sits under "Investment properties" of depreciation (641 is not
    # in the chart); the namesake in class 4 (the asset itself) is not its group
    chart = [
        AccountInput(name="Investment properties", code="42", parent_name="Investments"),
        AccountInput(name="Depreciation", code="64", parent_name="Expenses"),
        AccountInput(name="Investment properties", code="6412", parent_name="Depreciation"),
        AccountInput(name="Land", code="421", parent_name="Investment properties"),
        AccountInput(name="Land", code="6411", parent_name="Investment properties"),
    ]
    assert parent_indices(chart)[3:] == [0, 2]
    assert ancestors_in_chart(chart)[4] == ["Investment properties", "Depreciation", "Expenses"]
