from django.urls import path

from ledgerlink.portal.views import (
    companies,
    financials,
    insights,
    outbox,
    requests,
    settings,
    sync,
    users,
)

app_name = "portal"

urlpatterns = [
    path("companies/", companies.company_list, name="company-list"),
    path("companies/new/", companies.company_create, name="company-create"),
    path("companies/<int:pk>/", companies.company_detail, name="company-detail"),
    path("companies/<int:pk>/edit/", companies.company_edit, name="company-edit"),
    path("companies/<int:pk>/delete/", companies.company_delete, name="company-delete"),
    path("companies/<int:pk>/request/", requests.request_data, name="request-data"),
    path("companies/<int:pk>/sync-status/", sync.sync_status, name="company-sync-status"),
    path("connections/<int:pk>/sync/", sync.sync_now, name="connection-sync"),
    path("companies/<int:pk>/financials/", financials.financials_page, name="financials"),
    path(
        "companies/<int:pk>/financials/categories/",
        financials.categories_page,
        name="financials-categories",
    ),
    path(
        "companies/<int:pk>/financials/confirm-all/",
        financials.confirm_all,
        name="financials-confirm-all",
    ),
    path(
        "companies/<int:pk>/financials/suggest/",
        financials.suggest_now,
        name="financials-suggest",
    ),
    path(
        "companies/<int:pk>/financials/financials.xlsx",
        financials.financials_export,
        name="financials-export",
    ),
    path("financials/categories/<int:pk>/", financials.category_edit, name="financials-category"),
    path("requests/<int:pk>/revoke/", requests.request_revoke, name="request-revoke"),
    path("requests/<int:pk>/reissue/", requests.request_reissue, name="request-reissue"),
    path("template.xlsx", sync.template_download, name="template"),
    path("insights/", insights.insights_list, name="insights"),
    path("reports/<int:pk>/download/", insights.report_download, name="report-download"),
    path("companies/<int:pk>/reports/update/", insights.reports_update, name="reports-update"),
    path("companies/<int:pk>/subscribers/", insights.report_subscribers, name="report-subscribers"),
    path("settings/", settings.organisation_settings, name="settings"),
    path("settings/reports/", insights.report_settings, name="report-settings"),
    path("users/", users.user_list, name="users"),
    path("users/<int:pk>/role/", users.user_change_role, name="user-role"),
    path("users/<int:pk>/remove/", users.user_remove, name="user-remove"),
    path("outbox/", outbox.outbox_list, name="outbox"),
    path("outbox/<int:pk>/", outbox.outbox_detail, name="outbox-detail"),
]
