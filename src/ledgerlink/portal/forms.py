"""Portal forms. HTML5 validation is off: the server validates and shows an error summary."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from ledgerlink.tenancy.branding import contrast_ratio, readable_on_white_text
from ledgerlink.tenancy.models import HEX_COLOUR, Organisation, Role, User

MAX_LOGO_BYTES = 1_000_000


class PortalForm(forms.Form):
    use_required_attribute = False
    # Messages follow the GOV.UK pattern: say what to do, no "invalid", no "please".
    required_messages: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, message in self.required_messages.items():
            self.fields[name].error_messages["required"] = message


class AnalystChoiceField(forms.ModelMultipleChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class CompanyForm(PortalForm):
    name = forms.CharField(label="Company name", max_length=200)
    description = forms.CharField(
        label="Description (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    contact_name = forms.CharField(label="Contact name", max_length=200)
    contact_email = forms.EmailField(
        label="Contact email",
        error_messages={
            "invalid": "Enter an email address in the right format, like name@example.com"
        },
    )
    analysts = AnalystChoiceField(
        label="Assigned analysts (optional)",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    required_messages = {
        "name": "Enter the company name",
        "contact_name": "Enter the name of the person to contact",
        "contact_email": "Enter the contact's email address",
    }

    def __init__(self, *args: Any, analysts: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["analysts"].queryset = analysts  # type: ignore[attr-defined]

    def clean_name(self) -> str:
        return str(self.cleaned_data["name"]).strip()


class DataRequestForm(PortalForm):
    data_types = forms.MultipleChoiceField(
        label="What data do you want to request?",
        choices=[
            ("financials", "Financials"),
            ("spend", "Spend analysis"),
        ],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select Financials, Spend analysis or both"},
    )

    @property
    def wants_financials(self) -> bool:
        return "financials" in self.cleaned_data.get("data_types", [])

    @property
    def wants_spend(self) -> bool:
        return "spend" in self.cleaned_data.get("data_types", [])


class OrganisationSettingsForm(PortalForm):
    name = forms.CharField(label="Organisation name", max_length=200)
    logo = forms.ImageField(
        label="Logo (optional)",
        required=False,
        help_text="PNG, JPEG or GIF, up to 1 MB. Shown on emails and the client's pages.",
    )
    remove_logo = forms.BooleanField(label="Remove the current logo", required=False)
    primary_colour = forms.CharField(
        label="Brand colour",
        max_length=7,
        help_text="As # and 6 hex digits, like #1d4e89. White text must be readable on it.",
        validators=[HEX_COLOUR],
    )
    allow_copy_link = forms.BooleanField(label="Copy link", required=False)
    allow_manual_upload = forms.BooleanField(label="Manual upload", required=False)
    allow_multi_entity = forms.BooleanField(label="Multi-entity journey", required=False)
    link_lifetime_days = forms.IntegerField(
        label="Link lifetime in days",
        min_value=1,
        max_value=90,
        help_text="Between 1 and 90 days. New and re-issued links use this.",
        error_messages={
            "min_value": "Link lifetime must be at least 1 day",
            "max_value": "Link lifetime must be 90 days or fewer",
            "invalid": "Enter the link lifetime as a whole number of days",
        },
    )
    required_messages = {
        "name": "Enter the organisation name",
        "primary_colour": "Enter a brand colour",
        "link_lifetime_days": "Enter the link lifetime in days",
    }

    def clean_primary_colour(self) -> str:
        colour = str(self.cleaned_data["primary_colour"]).strip().lower()
        if not readable_on_white_text(colour):
            ratio = contrast_ratio(colour, "#ffffff")
            raise ValidationError(
                f"Choose a darker brand colour: white text on it has a contrast of "
                f"{ratio:.1f}:1 and needs at least 4.5:1"
            )
        return colour

    def clean_logo(self) -> Any:
        logo = self.cleaned_data.get("logo")
        if logo and logo.size > MAX_LOGO_BYTES:
            raise ValidationError("The logo must be smaller than 1 MB")
        image = getattr(logo, "image", None) if logo else None
        if image is not None and image.format not in ("PNG", "JPEG", "GIF"):
            raise ValidationError("The logo must be a PNG, JPEG or GIF")
        return logo

    @classmethod
    def initial_for(cls, organisation: Organisation) -> dict[str, Any]:
        return {
            name: getattr(organisation, name)
            for name in (
                "name",
                "primary_colour",
                "allow_copy_link",
                "allow_manual_upload",
                "allow_multi_entity",
                "link_lifetime_days",
            )
        }


class InviteForm(PortalForm):
    email = forms.EmailField(
        label="Email address",
        error_messages={
            "invalid": "Enter an email address in the right format, like name@example.com"
        },
    )
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.ANALYST)
    required_messages = {"email": "Enter the email address of the person to invite"}


class RoleForm(PortalForm):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class AcceptInvitationForm(PortalForm):
    full_name = forms.CharField(label="Your full name", max_length=200)
    password = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput,
        help_text="At least 12 characters. A short sentence is easy to remember.",
    )
    required_messages = {
        "full_name": "Enter your full name",
        "password": "Enter a password",
    }

    def clean_password(self) -> str:
        from django.contrib.auth.password_validation import validate_password

        password = str(self.cleaned_data["password"])
        validate_password(password)
        return password


class SubscribersForm(PortalForm):
    emails = forms.CharField(
        label="Email addresses",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One per line. Each gets an email with a link to sign in and download the "
        "report every quarter. Leave empty to send to nobody.",
    )

    def clean_emails(self) -> list[str]:
        text = str(self.cleaned_data.get("emails") or "")
        found = [part.strip() for part in text.replace(",", "\n").replace(";", "\n").splitlines()]
        emails = [e for e in found if e]
        validator = forms.EmailField().clean
        bad = []
        for email in emails:
            try:
                validator(email)
            except ValidationError:
                bad.append(email)
        if bad:
            raise ValidationError(
                "Enter email addresses in the right format, like name@example.com: "
                + ", ".join(bad[:3])
            )
        if len(emails) > 50:
            raise ValidationError("Enter 50 email addresses or fewer")
        return sorted({e.lower() for e in emails})


class ReportSettingsForm(PortalForm):
    period_months = forms.IntegerField(
        label="Reporting period in months",
        min_value=1,
        max_value=36,
        help_text="The full months before the day a report is generated. Usually 12.",
        error_messages={
            "min_value": "The reporting period must be at least 1 month",
            "max_value": "The reporting period must be 36 months or fewer",
            "invalid": "Enter the reporting period as a whole number of months",
        },
    )
    min_supplier_annual_spend = forms.DecimalField(
        label="Minimum supplier annual spend",
        min_value=0,
        max_digits=16,
        decimal_places=2,
        help_text="Supplier Analysis and the vendor-match files list suppliers at or above it.",
        error_messages={
            "min_value": "The minimum supplier spend cannot be negative",
            "invalid": "Enter the minimum supplier spend as a number, like 5000",
        },
    )
    cashback_tiers = forms.CharField(
        label="Cashback tiers",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One tier a line: the rate in per cent, then the spend it applies up to. "
        "The last line has no limit. For example “2 1000000” then “1”.",
    )
    minutes_per_payment = forms.DecimalField(
        label="Minutes saved per card payment",
        min_value=0,
        max_digits=6,
        decimal_places=2,
        error_messages={"invalid": "Enter the minutes as a number, like 3"},
    )
    hourly_cost = forms.DecimalField(
        label="Cost of an hour",
        min_value=0,
        max_digits=10,
        decimal_places=2,
        error_messages={"invalid": "Enter the cost of an hour as a number, like 40"},
    )
    mastercard_enabled = forms.BooleanField(label="Mastercard", required=False)
    visa_enabled = forms.BooleanField(label="Visa", required=False)
    wex_enabled = forms.BooleanField(label="WEX", required=False)
    paytech_enabled = forms.BooleanField(label="PayTech", required=False)
    required_messages = {
        "period_months": "Enter the reporting period in months",
        "min_supplier_annual_spend": "Enter the minimum supplier annual spend",
        "cashback_tiers": "Enter at least one cashback tier",
        "minutes_per_payment": "Enter the minutes saved per card payment",
        "hourly_cost": "Enter the cost of an hour",
    }

    @staticmethod
    def tiers_text(tiers: list[dict[str, Any]]) -> str:
        from decimal import Decimal

        lines = []
        for tier in tiers:
            rate = (Decimal(str(tier["rate"])) * 100).normalize()
            limit = tier.get("up_to")
            lines.append(f"{rate:f}" + (f" {Decimal(str(limit)).normalize():f}" if limit else ""))
        return "\n".join(lines)

    def clean_cashback_tiers(self) -> list[dict[str, str | None]]:
        from decimal import Decimal, InvalidOperation

        text = str(self.cleaned_data["cashback_tiers"])
        lines = [line.split() for line in text.splitlines() if line.strip()]
        tiers: list[dict[str, str | None]] = []
        previous = Decimal(-1)
        for number, parts in enumerate(lines, start=1):
            last = number == len(lines)
            try:
                if len(parts) != (1 if last else 2):
                    raise InvalidOperation
                rate = Decimal(parts[0].rstrip("%").replace(",", "")) / 100
                limit = None if last else Decimal(parts[1].replace(",", ""))
            except (InvalidOperation, IndexError):
                raise ValidationError(
                    f"Write tier {number} as a rate and a limit, like “2 1000000”; the last "
                    "tier as a rate alone, like “1”"
                ) from None
            if not 0 <= rate <= 1:
                raise ValidationError(f"The rate of tier {number} must be between 0 and 100")
            if limit is not None and limit <= previous:
                raise ValidationError("Each tier's limit must be higher than the one before")
            previous = limit if limit is not None else previous
            tiers.append(
                {
                    "rate": f"{rate.normalize():f}",
                    "up_to": None if limit is None else f"{limit.normalize():f}",
                }
            )
        if not tiers:
            raise ValidationError("Enter at least one cashback tier")
        return tiers
