from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from ledgerlink.portal.auth_forms import ResetForm
from ledgerlink.portal.views import account

auth_patterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="auth/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="auth/password_reset.html",
            email_template_name="emails/password_reset.txt",
            html_email_template_name="emails/password_reset.html",
            subject_template_name="emails/password_reset_subject.txt",
            form_class=ResetForm,
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="auth/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="auth/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="auth/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("invitations/<str:token>/", account.invitation_accept, name="invitation-accept"),
    path("switch-organisation/", account.switch_organisation, name="switch-organisation"),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="portal:company-list"), name="home"),
    path("", include(auth_patterns)),
    path("portal/", include("ledgerlink.portal.urls")),
    path("", include("ledgerlink.journey.urls")),
]

if settings.LEDGERLINK_SANDBOX_ENABLED:
    # The built-in sandbox accounting platform: an "external" system served by this server.
    urlpatterns.append(path("sandbox/", include("ledgerlink.sandbox.urls")))
