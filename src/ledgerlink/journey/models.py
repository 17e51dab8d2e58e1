"""Where a client is in the journey behind a request link, kept on the server.

Nothing here lives in cookies: reopening the link in another browser resumes the journey.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Method(models.TextChoices):
    CONNECT = "connect", "Connect accounting software"
    UPLOAD = "upload", "Upload a file"


class EntityMode(models.TextChoices):
    ONE = "one", "One"
    MANY = "many", "More than one"


class Journey(models.Model):
    """The client's answers for one data request."""

    data_request = models.OneToOneField(
        "relationships.DataRequest", on_delete=models.CASCADE, related_name="journey"
    )
    method = models.CharField(max_length=10, choices=Method.choices, blank=True)
    entity_mode = models.CharField(max_length=10, choices=EntityMode.choices, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Journey of request {self.data_request_id}"


class Failure(models.TextChoices):
    NONE = "", "None"
    DENIED = "denied", "Access not allowed"
    FAILED = "failed", "Authorisation failed"
    ALREADY_LINKED = "already_linked", "Already connected elsewhere"
    WRONG_COMPANY = "wrong_company", "Wrong organisation chosen"


class EntityTask(models.Model):
    """One company (the requested one, or a legal entity of it) the client provides data for."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="tasks")
    company = models.ForeignKey("relationships.Company", on_delete=models.CASCADE, related_name="+")
    # The name the client typed, normalised for the duplicate check (case and spaces).
    name_key = models.CharField(max_length=200)
    platform = models.CharField(max_length=40, blank=True)
    method = models.CharField(max_length=10, choices=Method.choices, blank=True)
    # Set once the client said the organisation the platform returned is the right one.
    confirmed_connection = models.ForeignKey(
        "connectors.Connection", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    failure = models.CharField(max_length=20, choices=Failure.choices, blank=True)
    failure_detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["journey", "company"], name="one_task_per_company"),
            models.UniqueConstraint(fields=["journey", "name_key"], name="entity_names_unique"),
        ]

    def __str__(self) -> str:
        return f"Task for company {self.company_id}"


class Consent(models.Model):
    """What the client agreed to before being sent to the platform, exactly as shown."""

    data_request = models.ForeignKey(
        "relationships.DataRequest", on_delete=models.CASCADE, related_name="consents"
    )
    company = models.ForeignKey("relationships.Company", on_delete=models.CASCADE, related_name="+")
    platform = models.CharField(max_length=40)
    text_version = models.CharField(max_length=40)
    text_sha256 = models.CharField(max_length=64)
    text = models.TextField()
    given_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-given_at", "-pk"]

    def __str__(self) -> str:
        return f"Consent for {self.platform} on request {self.data_request_id}"
