"""The category form: type → subtype → detail, each list narrowed by the choice before it.

Without JavaScript the "Update choices" button sends the form back and the page returns with
the narrowed lists; with htmx, changing a list does the same round-trip for the fields only.
"""

from __future__ import annotations

from typing import Any

from django import forms

from ledgerlink.financials.taxonomy import taxonomy
from ledgerlink.portal.forms import PortalForm


class CategoryForm(PortalForm):
    type = forms.ChoiceField(label="Type")
    subtype = forms.ChoiceField(label="Subtype")
    detail = forms.ChoiceField(label="Detail")
    required_messages = {
        "type": "Select a type",
        "subtype": "Select a subtype",
        "detail": "Select a detail",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tax = taxonomy()
        chosen_type = self._chosen("type")
        chosen_subtype = self._chosen("subtype")
        if tax.subtypes.get(chosen_subtype, ("",))[0] != chosen_type:
            chosen_subtype = ""
        blank = [("", "Choose…")]
        self._set("type", blank + list(tax.types.items()))
        self._set(
            "subtype", blank + (tax.subtypes_of(chosen_type) if chosen_type in tax.types else [])
        )
        self._set("detail", blank + [(d.key, d.label) for d in tax.details_of(chosen_subtype)])

    def _set(self, name: str, choices: list[tuple[str, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def _chosen(self, name: str) -> str:
        if self.is_bound:
            return str(self.data.get(name, ""))
        return str(self.initial.get(name, ""))
