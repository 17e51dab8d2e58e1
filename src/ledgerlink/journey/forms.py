"""Journey forms. Server-side validation only; every message says how to fix it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ledgerlink.journey.models import EntityMode, Method
from ledgerlink.journey.selectors import TenantOption


class MethodForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How do you want to share your supplier data?"),
        choices=[
            (Method.CONNECT, _("Connect your accounting software")),
            (Method.UPLOAD, _("Upload a spreadsheet")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Select how you want to share your data")},
    )
    hints = {
        Method.CONNECT: _("Read-only access. Takes about 5 minutes."),
        Method.UPLOAD: _("Fill in our supplier template from your books and upload it."),
    }


class EntityModeForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("How many legal entities does your organisation have?"),
        choices=[
            (EntityMode.ONE, _("One")),
            (EntityMode.MANY, _("More than one")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Select how many legal entities your organisation has")},
    )
    hints = {
        EntityMode.ONE: _("All your books are in one company."),
        EntityMode.MANY: _(
            "For example a group with subsidiaries, each with its own books. "
            "You connect each one in turn."
        ),
    }


class EntityNameForm(forms.Form):
    name = forms.CharField(
        label=_("What is the name of the legal entity?"),
        help_text=_("The legal name as it appears in your accounts, for example Acme Trading Ltd."),
        max_length=200,
        error_messages={
            "required": _("Enter the name of the legal entity"),
            "max_length": _("Name must be 200 characters or fewer"),
        },
    )

    def clean_name(self) -> str:
        name = " ".join(str(self.cleaned_data["name"]).split())
        if not name:
            raise forms.ValidationError(_("Enter the name of the legal entity"))
        return name


class SoftwareForm(forms.Form):
    platform = forms.ChoiceField(
        label=_("Select your accounting software"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Select your accounting software"),
            "invalid_choice": _("Select your accounting software from the list"),
        },
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["platform"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class ConfirmCompanyForm(forms.Form):
    right = forms.ChoiceField(
        label=_("Is this the right organisation?"),
        choices=[("yes", _("Yes, this is the right organisation")), ("no", _("No, disconnect it"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Select yes if this is the right organisation")},
    )


class ChooseOrganisationForm(forms.Form):
    """Which of the organisations one login reaches holds this entity's books (Xero)."""

    NONE = "none"
    tenant = forms.ChoiceField(
        label=_("Which organisation holds the books of this legal entity?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Select the organisation that holds the books of this legal entity"),
            "invalid_choice": _("Select one of the organisations listed"),
        },
    )

    def __init__(self, *args: Any, options: list[TenantOption], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options = options
        field = self.fields["tenant"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(o.id, o.name) for o in options] + [(self.NONE, self.NONE)]

    def clean_tenant(self) -> str:
        chosen = str(self.cleaned_data["tenant"])
        for option in self.options:
            if option.id == chosen and option.taken:
                raise forms.ValidationError(
                    _(
                        "%(name)s is already connected for another legal entity: "
                        "select a different organisation"
                    )
                    % {"name": option.name}
                )
        return chosen


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Upload the filled-in template"),
        error_messages={
            "required": _("Select the filled-in template to upload"),
            "empty": _("The selected file is empty: fill in the template and try again"),
        },
    )

    def __init__(self, *args: Any, max_mb: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "An Excel file (.xlsx) or a .zip of CSV files, up to %(size)s MB."
        ) % {"size": max_mb}
