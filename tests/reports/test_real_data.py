"""Real council and city AP data, converted to the template, imported and reported: every
supplier's count and amount, and the overall totals, reconcile to the source files; card
rows are inferred as card and Calderdale's AP invoices as non-card (bank transfer).

A sample (the first rows of each file) keeps this quick; `bench/ap_eval.py` runs every row.
"""

import pytest
from bench import ap_eval

from ledgerlink.tenancy.services import create_organisation

pytestmark = pytest.mark.skipif(
    not ap_eval.DATA.exists(), reason=f"the shared evaluation data is absent ({ap_eval.DATA})"
)
SAMPLE = 120


@pytest.fixture
def org(db, other_tenant):
    return create_organisation(name="AP evaluation", slug="ap-eval")


@pytest.mark.parametrize("dataset", sorted(ap_eval.DATASETS))
def test_reports_reconcile_to_the_source(org, dataset):
    result = ap_eval.run(dataset, SAMPLE, org)
    assert result.rows > 100
    assert result.problems == []
    payments = result.methods.get("Bill Payments", {})
    expenses = result.methods.get("Expenses", {})
    if dataset == "birmingham":
        assert expenses and all(key.endswith("|Credit Card") for key in expenses)
        assert sum(expenses.values()) == result.expenses
    if dataset == "calderdale":
        assert payments == {f"{ap_eval.AP_ACCOUNT}|Bank Transfer": result.bills}
        assert expenses == {f"{ap_eval.CARD_ACCOUNT}|Credit Card": result.expenses}


def test_excluded_rows_are_counted_not_lost():
    source = ap_eval.oxford(sample=50)
    total = sum(1 for _ in ap_eval.DATA.glob("uk_oxford_city_council_over500/*.csv")) * 50
    assert len(source.rows) + sum(source.excluded.values()) == total
    assert source.excluded["no date"] == 50  # the Apr–Jun 2014 file publishes no dates
