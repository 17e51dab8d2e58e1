"""The project's URLs plus the sandbox at /sandbox/ (until the root URLconf includes it)."""

from django.urls import include, path

from ledgerlink.urls import urlpatterns as project_patterns

urlpatterns = list(project_patterns)
if not any(getattr(p, "namespace", None) == "sandbox" for p in project_patterns):
    urlpatterns.append(path("sandbox/", include("ledgerlink.sandbox.urls")))
