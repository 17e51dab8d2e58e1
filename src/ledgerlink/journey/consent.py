"""The consent text a client agrees to before being sent to their accounting software.

The text is built from the request (which data types), the organisation and the platform;
what was shown is stored with its version and SHA-256 (see services.record_consent).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ledgerlink.relationships.models import DataRequest

# Bump when the wording below changes in meaning; the hash catches every other change.
CONSENT_VERSION = "2026-11-26"


@dataclass(frozen=True)
class Section:
    heading: str
    items: list[str]


def consent_sections(data_request: DataRequest, software: str) -> list[Section]:
    org = data_request.organisation.name
    sections = [
        Section(
            _("Who is asking"),
            [_("%(org)s asked for this data through ledgerlink.") % {"org": org}],
        )
    ]
    if data_request.wants_financials:
        sections.append(
            Section(
                _("Financials"),
                [
                    _("Profit and loss statements"),
                    _("Balance sheets"),
                    _("Your chart of accounts, to categorise the statements"),
                ],
            )
        )
    if data_request.wants_spend:
        sections.append(
            Section(
                _("Spend analysis"),
                [
                    _("Suppliers: names, addresses, tax numbers and payment terms"),
                    _("Bills from suppliers, with their line items"),
                    _("Payments of bills and the account each was paid from"),
                    _("Other expenses and your chart of accounts"),
                ],
            )
        )
    sections += [
        Section(
            _("Why"),
            [
                _(
                    "%(org)s uses the data to understand your business and to show how "
                    "you could pay suppliers."
                )
                % {"org": org}
            ],
        ),
        Section(
            _("How access works"),
            [
                _("Read-only: nothing in %(software)s can be changed.") % {"software": software},
                _("%(org)s reads the data now and may refresh it until you withdraw access.")
                % {"org": org},
                _("You can withdraw access at any time in %(software)s, or by asking %(org)s.")
                % {"software": software, "org": org},
                _("Your password is never shared with %(org)s or with us.") % {"org": org},
            ],
        ),
    ]
    return sections


def consent_text(sections: list[Section]) -> str:
    """The plain text kept on record: exactly the headings and items shown."""
    return "\n".join(
        f"{section.heading}\n" + "\n".join(f"- {item}" for item in section.items)
        for section in sections
    )


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
