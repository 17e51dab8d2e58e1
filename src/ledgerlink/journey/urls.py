from django.urls import path

from ledgerlink.journey import views

app_name = "journey"

urlpatterns = [
    path("r/<str:token>/", views.landing, name="landing"),
    path("r/<str:token>/start/", views.start, name="start"),
    path("r/<str:token>/how/", views.method, name="method"),
    path("r/<str:token>/entities/how-many/", views.how_many, name="how-many"),
    path("r/<str:token>/entities/", views.entities, name="entities"),
    path("r/<str:token>/entities/add/", views.entity_add, name="entity-add"),
    path("r/<str:token>/check/", views.check, name="check"),
    path("r/<str:token>/e/<int:task_id>/software/", views.software, name="software"),
    path("r/<str:token>/e/<int:task_id>/consent/", views.consent, name="consent"),
    path("r/<str:token>/e/<int:task_id>/sign-in/", views.sign_in, name="sign-in"),
    path("r/<str:token>/e/<int:task_id>/connect/", views.connect_start, name="connect-start"),
    path("r/<str:token>/e/<int:task_id>/connected/", views.connected, name="connected"),
    path("r/<str:token>/e/<int:task_id>/not-connected/", views.not_connected, name="not-connected"),
    path("r/<str:token>/e/<int:task_id>/upload/", views.upload, name="upload"),
    path("r/<str:token>/e/<int:task_id>/uploaded/", views.uploaded, name="uploaded"),
    path("r/<str:token>/status/", views.status, name="status"),
    path("r/<str:token>/saved/", views.saved, name="saved"),
    path("r/<str:token>/new-link/", views.new_link, name="new-link"),
    path("r/<str:token>/template.xlsx", views.template_download, name="template"),
    path("connect/callback/", views.connect_callback, name="connect-callback"),
    path("brand/<slug:slug>/logo", views.org_logo, name="org-logo"),
]
