"""Sign-in, sign-out, password reset by email, invitations and roles."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from ledgerlink.audit.models import AuditEvent
from ledgerlink.tenancy.models import Membership, Role, User

from .conftest import PASSWORD, membership


def test_sign_in_with_email_and_password_then_sign_out(tenant):
    client = Client()
    response = client.post("/login/", {"username": tenant.analyst.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("portal:company-list")).status_code == 200
    client.post("/logout/")
    assert client.get(reverse("portal:company-list")).status_code == 302


def test_wrong_password_shows_an_error_summary(tenant):
    response = Client().post("/login/", {"username": tenant.analyst.email, "password": "nope"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body and "<title>Error: " in body


def test_logout_requires_post(admin_client):
    assert admin_client.get("/logout/").status_code == 405


def test_password_reset_by_email(tenant, django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/password-reset/", {"email": tenant.viewer.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    new_password = "a brand new passphrase"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done.status_code == 302
    assert User.objects.get(pk=tenant.viewer.pk).check_password(new_password)
    # The link is single-use.
    assert "expired or was already used" in client.get(link, follow=True).content.decode()


def test_password_reset_for_unknown_email_sends_nothing_and_looks_the_same(db):
    response = Client().post("/password-reset/", {"email": "ghost@nowhere.test"})
    assert response.status_code == 302 and response["Location"] == "/password-reset/sent/"
    assert mail.outbox == []


def test_admin_invites_a_user_who_joins_with_the_role(
    admin_client, tenant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("portal:users"), {"email": "New.Person@Alpha.test", "role": "viewer"}
        )
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert message.to == ["new.person@alpha.test"]
    assert tenant.org.name in message.subject
    path = re.search(r"http://testserver(/invitations/[\w-]+/)", message.body).group(1)
    newcomer = Client()
    page = newcomer.post(path, {"full_name": "New Person", "password": "short"})
    assert "This password is too short" in page.content.decode()
    joined = newcomer.post(path, {"full_name": "New Person", "password": "a long enough phrase"})
    assert joined.status_code == 302
    user = User.objects.get(email="new.person@alpha.test")
    assert membership(user, tenant.org).role == Role.VIEWER
    assert newcomer.get(reverse("portal:company-list")).status_code == 200
    # Single use.
    assert newcomer.get(path).status_code == 410
    assert AuditEvent.objects.filter(action="user.joined").count() == 1


def test_inviting_an_existing_member_is_an_error(admin_client, tenant):
    body = admin_client.post(
        reverse("portal:users"), {"email": tenant.analyst.email, "role": "viewer"}
    ).content.decode()
    assert "already a member" in body


def test_unknown_invitation_answers_404(db):
    assert Client().get("/invitations/not-a-token/").status_code == 404


def test_change_role_and_remove_member(admin_client, tenant):
    viewer = membership(tenant.viewer, tenant.org)
    admin_client.post(reverse("portal:user-role", args=[viewer.pk]), {"role": "analyst"})
    viewer.refresh_from_db()
    assert viewer.role == Role.ANALYST
    admin_client.post(reverse("portal:user-remove", args=[viewer.pk]))
    assert not Membership.objects.filter(pk=viewer.pk).exists()
    assert AuditEvent.objects.filter(action="user.role_changed").exists()
    assert AuditEvent.objects.filter(action="user.removed").exists()


def test_the_last_admin_cannot_be_demoted_or_removed(admin_client, tenant):
    own = membership(tenant.admin, tenant.org)
    admin_client.post(reverse("portal:user-role", args=[own.pk]), {"role": "viewer"})
    own.refresh_from_db()
    assert own.role == Role.ADMIN
    admin_client.post(reverse("portal:user-remove", args=[own.pk]))
    assert Membership.objects.filter(pk=own.pk).exists()


def test_audit_events_are_append_only(tenant):
    event = AuditEvent.objects.first()
    event.summary = "rewritten"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_an_invitation_never_takes_over_an_existing_account(
    admin_client, tenant, other_tenant, django_capture_on_commit_callbacks
):
    """Alpha's admin invites Beta's admin: the link alone must not set Beta's password."""
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("portal:users"), {"email": other_tenant.admin.email, "role": "viewer"}
        )
    path = re.search(r"http://testserver(/invitations/[\w-]+/)", mail.outbox[-1].body).group(1)
    stranger = Client()
    page = stranger.post(path, {"full_name": "Mallory", "password": "mallory's new password"})
    assert "Sign in to join" in page.content.decode()
    assert User.objects.get(pk=other_tenant.admin.pk).check_password(PASSWORD)
    assert stranger.get(reverse("portal:company-list")).status_code == 302  # not signed in
    # The real owner signs in and joins.
    owner = Client()
    owner.force_login(other_tenant.admin)
    owner.post(path)
    assert membership(other_tenant.admin, tenant.org).role == Role.VIEWER
