"""All journey copy is in the gettext catalogue, and the catalogue follows the copy rules."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

JOURNEY = Path(__file__).resolve().parents[2] / "src" / "ledgerlink" / "journey"
CATALOGUE = JOURNEY / "locale" / "en" / "LC_MESSAGES" / "django.po"


def msgids(po: Path) -> set[str]:
    text = po.read_text()
    ids = set()
    for block in re.findall(r'^msgid ((?:".*"\n)+)', text, re.M):
        ids.add("".join(re.findall(r'"(.*)"', block)))
    ids.discard("")
    return ids


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext tools not installed")
def test_the_english_catalogue_is_up_to_date(tmp_path, monkeypatch):
    """`makemessages` over the journey today finds exactly the strings committed."""
    copy = tmp_path / "journey"
    shutil.copytree(JOURNEY, copy, ignore=shutil.ignore_patterns("locale", "__pycache__"))
    (copy / "locale").mkdir()
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["en"], no_location=True, verbosity=0)
    fresh = msgids(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")
    committed = msgids(CATALOGUE)
    assert fresh == committed, {
        "missing from the catalogue": sorted(fresh - committed)[:10],
        "no longer used": sorted(committed - fresh)[:10],
    }
    assert (CATALOGUE.with_suffix(".mo")).stat().st_size > 0


def test_copy_avoids_the_banned_phrases():
    """GOV.UK error-message rules: no "please", "sorry", "invalid" or generic errors."""
    banned = re.compile(
        r"\b(please|sorry|invalid|an error occurred|this field is required)\b", re.I
    )
    offending = [m for m in msgids(CATALOGUE) if banned.search(m)]
    assert not offending
