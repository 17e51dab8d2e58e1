"""The sandbox platform's URLs; ledgerlink mounts them at /sandbox/."""

from django.urls import path

from ledgerlink.sandbox import views

app_name = "sandbox"

urlpatterns = [
    path("", views.index, name="index"),
    path("oauth/authorize", views.authorize, name="authorize"),
    path("oauth/sign-in", views.sign_in, name="sign-in"),
    path("oauth/consent", views.consent, name="consent"),
    path("oauth/token", views.token, name="token"),
    path("oauth/revoke", views.revoke, name="revoke"),
    path("api/connections", views.connections, name="connections"),
    path("api/v1/<path:data_type>", views.data, name="data"),
    path("control/<str:tenant_id>/faults", views.control_faults, name="control-faults"),
]
