from django.urls import path

from ledgerlink.journey import views

app_name = "journey"

urlpatterns = [
    path("r/<str:token>/", views.landing, name="landing"),
    path("r/<str:token>/connect/<slug:platform>/", views.connect_start, name="connect-start"),
    path("r/<str:token>/template.xlsx", views.template_download, name="template"),
    path("connect/callback/", views.connect_callback, name="connect-callback"),
    path("brand/<slug:slug>/logo", views.org_logo, name="org-logo"),
]
