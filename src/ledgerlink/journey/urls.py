from django.urls import path

from ledgerlink.journey import views

app_name = "journey"

urlpatterns = [
    path("r/<str:token>/", views.landing, name="landing"),
    path("brand/<slug:slug>/logo", views.org_logo, name="org-logo"),
]
