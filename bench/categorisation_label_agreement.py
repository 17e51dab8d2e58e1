"""How far the benchmark's own labels agree with each other: a ceiling for the categoriser.

    .venv/bin/python bench/categorisation_label_agreement.py [--data DIR] [--errors errors.csv]

Accounts are grouped by normalised name within one language (and, more strictly, by name and
parent name). Where the same name appears in two or more charts, the figures say how often the
charts' own labels give it different types: a classifier that sees only the name cannot be
right on both. Printed per source pair and per language:

- accounts in shared-name groups, and the share whose type differs from the group's majority
  (leave-one-chart-out: the majority of the *other* charts, so a chart does not vote for itself);
- the majority-vote ceiling: accuracy of predicting, for every such account, the other charts'
  majority type (ties count as half).

With --errors (the file `categorisation_accuracy.py --errors` writes), it also counts the
benchmark's type errors whose predicted type is what other charts label the same name: errors
that are, at least in part, label disagreement rather than the engine's.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path

from ledgerlink.financials.categorise.text import code_digits, normalise
from ledgerlink.financials.categorise.training import gold

_LEADING_CODE = re.compile(r"^\s*[\d.\-]+\s+")  # "1810 Privatsteuern" (GnuCash writes codes in)
DATA = Path(os.environ.get("COA_EVAL_DIR", "/work/shared/data/eval/coa"))


def load(folder: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted((folder / "normalized").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                kind, _bucket = gold(row)
                if kind is None:
                    continue
                row["file"] = path.name
                row["type"] = kind
                row["lang"] = row["language"].split("_")[0]
                rows.append(row)
    return rows


def other_votes(
    rows: list[dict[str, str]], key_of: Mapping[int, tuple[str, ...]]
) -> list[Counter[str] | None]:
    """For each row, the types other charts give to rows with the same key (None: no other)."""
    per_key: dict[tuple[str, ...], dict[str, Counter[str]]] = defaultdict(
        lambda: defaultdict(Counter)
    )
    for i, row in enumerate(rows):
        per_key[key_of[i]][row["file"]][row["type"]] += 1
    out: list[Counter[str] | None] = []
    for i, row in enumerate(rows):
        votes: Counter[str] = Counter()
        for file, kinds in per_key[key_of[i]].items():
            if file != row["file"]:
                # one vote per chart: its own majority for the name
                votes[kinds.most_common(1)[0][0]] += 1
        out.append(votes or None)
    return out


def agreement(rows: list[dict[str, str]], votes: list[Counter[str] | None], group: str) -> None:
    shared: dict[str, int] = defaultdict(int)
    differs: dict[str, float] = defaultdict(float)
    any_other: dict[str, int] = defaultdict(int)
    for row, vote in zip(rows, votes, strict=True):
        if vote is None:
            continue
        keys = ("all", f"language {row['lang']}", f"source {row['source']}")
        top = max(vote.values())
        winners = [t for t, c in vote.items() if c == top]
        right = (row["type"] in winners) / len(winners)
        for key in keys:
            shared[key] += 1
            differs[key] += 1 - right
            any_other[key] += any(t != row["type"] for t in vote)
    print(f"\n{group}")
    print(f"{'group':24} {'shared':>8} {'majority differs':>17} {'ceiling':>8} {'any differs':>12}")
    for key in sorted(shared, key=lambda k: (k != "all", k)):
        n = shared[key]
        print(
            f"{key:24} {n:8} {differs[key] / n:17.4f} {1 - differs[key] / n:8.4f} "
            f"{any_other[key] / n:12.4f}"
        )


def source_pairs(rows: list[dict[str, str]], key_of: Mapping[int, tuple[str, ...]]) -> None:
    """Per pair of sources: names both label, and the share where their majorities differ."""
    per: dict[tuple[str, ...], dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for i, row in enumerate(rows):
        per[key_of[i]][row["source"]][row["type"]] += 1
    pairs: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for by_source in per.values():
        names = sorted(by_source)
        for a in range(len(names)):
            for b in range(a + 1, len(names)):
                first = by_source[names[a]].most_common(1)[0][0]
                second = by_source[names[b]].most_common(1)[0][0]
                pairs[(names[a], names[b])][0] += 1
                pairs[(names[a], names[b])][1] += first != second
    print("\nsame name (language) in two sources: names, share whose majority types differ")
    for (first_source, second_source), (n, d) in sorted(pairs.items()):
        print(f"{first_source:>12} / {second_source:<12} {n:6} {d / n if n else 0:8.4f}")


def identical_accounts(rows: list[dict[str, str]]) -> None:
    """The same account (same code digits, same name once a code written into it is dropped)
    in two charts of two sources: a national plan both sources ship. Where their labels give
    it different types, no categoriser can be right on both."""
    per: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for row in rows:
        digits = code_digits(row["code"])
        if digits:
            name = normalise(_LEADING_CODE.sub("", row["name"]))
            per[(digits, name)].setdefault(row["source"] + " " + row["file"], row["type"])
    pairs: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for charts in per.values():
        names = sorted(charts)
        for a in range(len(names)):
            for b in range(a + 1, len(names)):
                first, second = names[a].split()[0], names[b].split()[0]
                if first != second:
                    pair = pairs[(names[a].split()[1], names[b].split()[1])]
                    pair[0] += 1
                    pair[1] += charts[names[a]] != charts[names[b]]
    print("\nsame account (code and name) in two sources' charts: accounts, types differ")
    total = differ = 0
    for (first_file, second_file), (n, d) in sorted(pairs.items()):
        if n >= 10:
            print(f"{first_file:38} / {second_file:38} {n:5} {d:4} {d / n:7.4f}")
            total, differ = total + n, differ + d
    if total:
        print(
            f"{'all pairs of 10 or more':79} {total:5} {differ:4} {differ / total:7.4f}"
            f"  (ceiling on them: {1 - differ / total / 2:.4f})"
        )


def errors_explained(
    path: Path, rows: list[dict[str, str]], votes: list[Counter[str] | None]
) -> None:
    index = {(r["file"], r["code"], r["name"]): v for r, v in zip(rows, votes, strict=True)}
    total = labelled_other = majority_other = 0
    with path.open(newline="", encoding="utf-8") as handle:
        for error in csv.DictReader(handle):
            total += 1
            vote = index.get((error["file"], error["code"], error["name"]))
            if vote is None:
                continue
            labelled_other += vote[error["type"]] > 0
            top = max(vote.values())
            majority_other += vote[error["type"]] == top
    print(f"\nbenchmark type errors: {total}")
    print(f"  another chart labels the same name (language) as predicted: {labelled_other}")
    print(f"  ... and that is the other charts' majority:                 {majority_other}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--errors", type=Path)
    args = parser.parse_args()
    rows = load(args.data)
    by_name = {i: (r["lang"], normalise(r["name"])) for i, r in enumerate(rows)}
    by_parent = {
        i: (r["lang"], normalise(r["name"]), normalise(r["parent_name"]))
        for i, r in enumerate(rows)
    }
    by_english = {
        i: ("en", normalise(r.get("name_en") or (r["name"] if r["lang"] == "en" else "")))
        for i, r in enumerate(rows)
    }
    by_english = {i: k for i, k in by_english.items() if k[1]}
    print(f"labelled accounts: {len(rows)} in {len({r['file'] for r in rows})} charts")
    name_votes = other_votes(rows, by_name)
    agreement(rows, name_votes, "same normalised name, same language")
    agreement(rows, other_votes(rows, by_parent), "same name and parent name, same language")
    english = [r for i, r in enumerate(rows) if i in by_english]
    english_keys = {j: by_english[i] for j, i in enumerate(sorted(by_english))}
    agreement(english, other_votes(english, english_keys), "same English name (any language)")
    source_pairs(rows, by_name)
    identical_accounts(rows)
    if args.errors:
        errors_explained(args.errors, rows, name_votes)


if __name__ == "__main__":
    main()
