"""The categorisation model: its features, its training and the file it ships in."""

from __future__ import annotations

import io

import numpy as np

from ledgerlink.financials.categorise import model as model_module
from ledgerlink.financials.categorise.engine import (
    TYPES,
    AccountInput,
    bucket_type,
    buckets,
    chart_features,
)
from ledgerlink.financials.categorise.text import (
    HASH_BITS,
    feature_hashes,
    feature_strings,
    hashed,
)
from ledgerlink.financials.categorise.training import Chart, fit


def test_the_engine_hashes_exactly_the_features_the_model_describes():
    cases = [
        ("Provisions pour risques", "1510", "Provisions", ["Provisions", "Capitaux"], ["x"]),
        ("Bank charges", "", "Expenses", ["Expenses"], []),
        ("Rücklagen", "0840-0845", "", [], []),
        ("Loans", "A.1", "Debts", [], []),
    ]
    for name, code, parent, ancestors, keywords in cases:
        strings = feature_strings(name, code, parent, ancestors, keywords)
        assert sorted(hashed(strings)) == sorted(
            feature_hashes(name, code, parent, ancestors, keywords)
        )


def test_each_word_is_also_seen_with_the_class_of_its_code():
    in_liabilities = feature_strings("Provisions", "151", "", [], [])
    in_expenses = feature_strings("Provisions", "6815", "", [], [])
    uncoded = feature_strings("Provisions", "", "", [], [])
    assert "wc:1:provisions" in in_liabilities
    assert "wc:6:provisions" in in_expenses
    assert "wc:-:provisions" in uncoded
    assert "wc:1:provisions" not in in_expenses


def _chart(country: str, rows: list[tuple[str, str, str]]) -> Chart:
    # each account in its type's first bucket (the bucket head needs some labels too)
    first_bucket = {bucket_type(b): b for b in reversed(buckets())}
    return Chart(
        file=f"{country}.csv",
        source="test",
        country=country,
        language="en",
        accounts=[AccountInput(name=name, code=code) for name, code, _t in rows],
        types=[kind for _n, _c, kind in rows],
        buckets=[first_bucket[kind] for _n, _c, kind in rows],
    )


def test_training_learns_what_a_word_means_in_each_class_of_codes():
    # a word and a code class that, each alone, say nothing: only the two together
    # tell the type (no sum of a word's and a class's evidence can)
    rows = [
        ("Provision", "150", "liability"),
        ("Provision", "650", "expense"),
        ("Allowance", "151", "expense"),
        ("Allowance", "651", "liability"),
    ]
    charts = [_chart(f"C{i}", rows * 5) for i in range(4)]
    model = fit(charts)
    hashes, offsets, _k = chart_features(charts[0].accounts[:4])
    predicted = model.all_scores(hashes, offsets)["type"].argmax(axis=1)
    assert [TYPES[int(k)] for k in predicted] == [kind for _n, _c, kind in rows]


def test_a_saved_model_loads_with_its_classes_keys_and_weights():
    rows = [("Cash", "570", "asset"), ("Sales", "700", "income"), ("Rent", "613", "expense"),
            ("Capital", "101", "equity"), ("Suppliers", "401", "liability")]  # fmt: skip
    built = fit([_chart(f"C{i}", rows * 3) for i in range(3)])
    buffer = io.BytesIO()
    model_module.save(built, buffer)
    buffer.seek(0)
    loaded = model_module.load(buffer)
    assert np.array_equal(loaded.keys, built.keys)
    assert int(built.keys.max()) < 1 << HASH_BITS
    for name, head in built.heads.items():
        assert loaded.heads[name].classes == head.classes
        # weights are kept as 8-bit integers: within half a step of the largest weight
        step = np.abs(head.weights).max() / 127
        assert np.abs(loaded.heads[name].weights - head.weights).max() <= step / 2 + 1e-6


def test_the_shipped_model_was_trained_on_the_current_features():
    shipped = model_module.shipped()
    assert shipped is not None
    known = set(shipped.keys.tolist())
    assert hashed(["wc:1:capital"])[0] in known
    assert int(shipped.keys.max()) < 1 << HASH_BITS
