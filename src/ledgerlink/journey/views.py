"""The public pages behind a request link. GET never advances the journey: only the first
GET of the link records a view (Sent → Opened); every step is a POST and then a redirect."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ledgerlink.connectors.models import Connection
from ledgerlink.journey import selectors, services
from ledgerlink.journey.consent import consent_sections
from ledgerlink.journey.forms import (
    ChooseOrganisationForm,
    ConfirmCompanyForm,
    EntityModeForm,
    EntityNameForm,
    MethodForm,
    SoftwareForm,
    UploadForm,
)
from ledgerlink.journey.models import EntityMode, EntityTask, Failure, Journey, Method
from ledgerlink.relationships.models import DataRequest
from ledgerlink.relationships.services import (
    LinkState,
    ResolvedLink,
    ask_for_new_link,
    record_link_view,
    resolve_link,
)
from ledgerlink.tenancy.models import Organisation

logger = logging.getLogger(__name__)

STATE_STATUS = {
    LinkState.EXPIRED: 410,
    LinkState.REVOKED: 410,
    LinkState.REPLACED: 410,
    LinkState.UNKNOWN: 404,
}
OAUTH_COOKIE = "ledgerlink_oauth"
# The raw link token of the journey that started an authorisation, so the callback can
# return the client to their journey. Same browser only, 10 minutes, HttpOnly.
JOURNEY_COOKIE = "ledgerlink_journey"


@dataclass
class Link:
    token: str
    data_request: DataRequest
    journey: Journey | None

    @property
    def org(self) -> Organisation:
        return self.data_request.organisation

    def url(self, name: str, *args: Any) -> str:
        return reverse(f"journey:{name}", args=[self.token, *args])

    @property
    def resume(self) -> str:
        return selectors.resume_url(self.token, self.data_request, self.journey)

    def context(self, **extra: Any) -> dict[str, Any]:
        return {
            "org": self.org,
            "data_request": self.data_request,
            "company": self.data_request.company,
            "token": self.token,
            "journey": self.journey,
            "steps": selectors.steps_for(self.data_request),
            **extra,
        }


def _unusable(request: HttpRequest, resolved: ResolvedLink, token: str) -> HttpResponse:
    # Unknown links reveal nothing; expired/revoked ones name only the asking org.
    org = resolved.data_request.organisation if resolved.data_request else None
    return render(
        request,
        "journey/link_unusable.html",
        {"state": resolved.state.value, "org": org, "token": token},
        status=STATE_STATUS[resolved.state],
    )


def _private(response: HttpResponse) -> HttpResponse:
    # The token must not leak to other sites; "same-origin" (not "no-referrer") so browsers
    # still send a real Origin on forms and CSRF checks pass.
    response["Referrer-Policy"] = "same-origin"
    return response


LinkView = Callable[..., HttpResponse]


def with_link(view: LinkView) -> Callable[..., HttpResponse]:
    """Resolve the token; unusable links get their friendly page, usable ones the view."""

    @wraps(view)
    @never_cache
    def wrapped(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
        resolved = resolve_link(token)
        if resolved.state is not LinkState.VALID or resolved.data_request is None:
            return _private(_unusable(request, resolved, token))
        data_request = resolved.data_request
        link = Link(token, data_request, selectors.journey_of(data_request))
        return _private(view(request, link, *args, **kwargs))

    return wrapped


def _in_app(request: HttpRequest) -> bool:
    from ledgerlink.journey.webview import in_app_browser

    return in_app_browser(request.META.get("HTTP_USER_AGENT", ""))


def _posted(request: HttpRequest) -> Any:
    """The POST data of a submitted form (even an empty one), else None (unbound)."""
    return request.POST if request.method == "POST" else None


def _started(link: Link) -> Journey:
    if link.journey is None:
        raise Http404("The journey has not started")
    return link.journey


def _task(link: Link, task_id: int) -> EntityTask:
    journey = _started(link)
    return get_object_or_404(
        EntityTask.objects.select_related("company", "journey__data_request"),
        pk=task_id,
        journey=journey,
    )


def _back_for_task(link: Link, task: EntityTask) -> str:
    assert link.journey is not None
    if selectors.is_multi(link.journey):
        return link.url("entities")
    steps = selectors.steps_for(link.data_request)
    if steps.offers_entities:
        return link.url("how-many")
    if steps.offers_method:
        return link.url("method")
    return link.url("landing") + "?intro=1"


# --- landing and start ----------------------------------------------------------------------


@with_link
def landing(request: HttpRequest, link: Link) -> HttpResponse:
    if request.method == "GET":
        record_link_view(link.data_request, user_agent=request.META.get("HTTP_USER_AGENT", ""))
    if link.journey is not None and not request.GET.get("intro"):
        return redirect(link.resume)
    from ledgerlink.connectors import registry

    return render(
        request,
        "journey/landing.html",
        link.context(connectors=registry.available(), in_app=_in_app(request)),
    )


@require_POST
@with_link
def start(request: HttpRequest, link: Link) -> HttpResponse:
    link.journey = services.start(link.data_request)
    return redirect(link.resume)


@with_link
def method(request: HttpRequest, link: Link) -> HttpResponse:
    journey = _started(link)
    if not selectors.steps_for(link.data_request).offers_method or journey.submitted_at:
        return redirect(link.resume)
    form = MethodForm(_posted(request), initial={"method": journey.method or None})
    if request.method == "POST" and form.is_valid():
        services.choose_method(journey, form.cleaned_data["method"])
        return redirect(link.resume)
    return render(
        request,
        "journey/question.html",
        link.context(
            form=form,
            field=form["method"],
            hints=MethodForm.hints,
            back=link.url("landing") + "?intro=1",
            title=_("How do you want to share your supplier data?"),
        ),
    )


@with_link
def how_many(request: HttpRequest, link: Link) -> HttpResponse:
    journey = _started(link)
    steps = selectors.steps_for(link.data_request)
    if not steps.offers_entities or journey.method != Method.CONNECT or journey.submitted_at:
        return redirect(link.resume)
    form = EntityModeForm(_posted(request), initial={"mode": journey.entity_mode or None})
    if request.method == "POST" and form.is_valid():
        services.choose_entity_mode(journey, form.cleaned_data["mode"])
        if form.cleaned_data["mode"] == EntityMode.MANY and not journey.tasks.exists():
            return redirect(link.url("entity-add"))
        return redirect(link.resume)
    back = link.url("method") if steps.offers_method else link.url("landing") + "?intro=1"
    return render(
        request,
        "journey/question.html",
        link.context(
            form=form,
            field=form["mode"],
            hints=EntityModeForm.hints,
            back=back,
            title=_("How many legal entities does your organisation have?"),
        ),
    )


# --- legal entities ---------------------------------------------------------------------------


def _multi(link: Link) -> Journey | None:
    journey = _started(link)
    return journey if selectors.is_multi(journey) and not journey.submitted_at else None


@with_link
def entities(request: HttpRequest, link: Link) -> HttpResponse:
    journey = _multi(link)
    if journey is None:
        return redirect(link.resume)
    views = selectors.task_views(journey)
    return render(
        request,
        "journey/entities.html",
        link.context(
            views=views,
            rows=[
                {"view": v, "url": selectors.task_step(link.token, v.task, multi=True)}
                for v in views
            ],
            all_done=bool(views) and all(v.status_key == "done" for v in views),
            back=link.url("how-many"),
        ),
    )


@with_link
def entity_add(request: HttpRequest, link: Link) -> HttpResponse:
    journey = _multi(link)
    if journey is None:
        return redirect(link.resume)
    form = EntityNameForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            task = services.add_entity(journey, form.cleaned_data["name"])
        except services.DuplicateEntity:
            form.add_error(
                "name",
                _("You have already added %(name)s: enter a different legal entity")
                % {"name": form.cleaned_data["name"]},
            )
        except services.TooManyEntities:
            form.add_error(
                "name",
                _("You can add up to %(count)s legal entities: contact %(org)s to add more")
                % {"count": services.MAX_ENTITIES, "org": link.org.name},
            )
        else:
            return redirect(link.url("software", task.pk))
    back = link.url("entities") if journey.tasks.exists() else link.url("how-many")
    return render(request, "journey/entity_add.html", link.context(form=form, back=back))


@with_link
def check(request: HttpRequest, link: Link) -> HttpResponse:
    journey = _multi(link)
    if journey is None:
        return redirect(link.resume)
    views = selectors.task_views(journey)
    not_done = [v for v in views if v.status_key != "done"]
    if request.method == "POST":
        if views and not not_done:
            services.submit(journey)
            return redirect(link.url("status"))
        return redirect(link.url("check"))
    return render(
        request,
        "journey/check.html",
        link.context(views=views, not_done=not_done, back=link.url("entities")),
    )


# --- software, consent, sign-in ---------------------------------------------------------------


@with_link
def software(request: HttpRequest, link: Link, task_id: int) -> HttpResponse:
    task = _task(link, task_id)
    search = request.GET.get("q", "").strip()[:100]
    listed = selectors.software(search)
    form = SoftwareForm(
        _posted(request),
        initial={"platform": task.platform or None},
        choices=[(c.key, c.name) for c in selectors.software()],
    )
    if request.method == "POST" and form.is_valid():
        services.choose_software(task, form.cleaned_data["platform"])
        return redirect(link.url("consent", task.pk))
    return render(
        request,
        "journey/software.html",
        link.context(
            form=form,
            task=task,
            listed=listed,
            search=search,
            back=_back_for_task(link, task),
        ),
    )


@with_link
def consent(request: HttpRequest, link: Link, task_id: int) -> HttpResponse:
    task = _task(link, task_id)
    if not task.platform:
        return redirect(link.url("software", task.pk))
    name = selectors.software_name(task.platform)
    sections = consent_sections(link.data_request, name)
    if request.method == "POST":
        services.record_consent(task, task.platform, sections)
        return redirect(link.url("sign-in", task.pk))
    return render(
        request,
        "journey/consent.html",
        link.context(
            task=task, sections=sections, software=name, back=link.url("software", task.pk)
        ),
    )


@with_link
def sign_in(request: HttpRequest, link: Link, task_id: int) -> HttpResponse:
    task = _task(link, task_id)
    if not task.platform or not services.has_consent(task, task.platform):
        return redirect(link.url("consent", task.pk) if task.platform else link.url("software"))
    return render(
        request,
        "journey/sign_in.html",
        link.context(
            task=task,
            software=selectors.software_name(task.platform),
            back=link.url("consent", task.pk),
            in_app=_in_app(request),
        ),
    )


def _callback_uri() -> str:
    return settings.LEDGERLINK_BASE_URL + reverse("journey:connect-callback")


@require_POST
@with_link
def connect_start(request: HttpRequest, link: Link, task_id: int) -> HttpResponse:
    """Same-tab redirect to the platform's sign-in for one entity (rule C15)."""
    from ledgerlink.connectors.models import ConnectionStatus
    from ledgerlink.connectors.services import STATE_LIFETIME, start_authorisation

    task = _task(link, task_id)
    if task.platform not in {c.key for c in selectors.software()}:
        return redirect(link.url("software", task.pk))
    if not services.has_consent(task, task.platform):
        return redirect(link.url("consent", task.pk))
    existing = selectors.live_connection(task)
    # Reconnecting repairs the lapsed connection in place; it never adds a second one.
    repair = (
        existing
        if existing is not None and existing.status == ConnectionStatus.NEEDS_REAUTHORISATION
        else None
    )
    browser_nonce = secrets.token_urlsafe(32)
    url = start_authorisation(
        company=task.company,
        platform=task.platform,
        redirect_uri=_callback_uri(),
        data_request=link.data_request,
        connection=repair,
        browser_nonce=browser_nonce,
    )
    services.mark_connecting(task)
    response = redirect(url)
    # Binds the authorisation to this browser: a forwarded authorise URL cannot attach
    # someone else's books to this request.
    for name, value in ((OAUTH_COOKIE, browser_nonce), (JOURNEY_COOKIE, link.token)):
        response.set_cookie(
            name,
            value,
            max_age=int(STATE_LIFETIME.total_seconds()),
            secure=settings.HTTPS,
            httponly=True,
            samesite="Lax",
            path="/connect/",
        )
    return response


@never_cache
def connect_callback(request: HttpRequest) -> HttpResponse:
    """Where the platform sends the client back. Single-use state; repeat visits are safe.

    The client goes back to their journey: the organisation check on success, or the
    choice of try again / other software / upload on failure.
    """
    from ledgerlink.connectors.services import (
        AlreadyLinked,
        AuthorisationFailed,
        finish_authorisation,
    )
    from ledgerlink.sync.engine import start_sync

    state = request.GET.get("state", "")
    error = request.GET.get("error", "")
    token = request.COOKIES.get(JOURNEY_COOKIE, "")
    task = selectors.task_for_state(state, token) if token else None
    try:
        authorised = finish_authorisation(
            state=state,
            code=request.GET.get("code", ""),
            error=error,
            browser_nonce=request.COOKIES.get(OAUTH_COOKIE, ""),
            callback=request.GET.dict(),  # QuickBooks names the company (realmId) here
        )
    except AuthorisationFailed as failure:
        if task is None:
            return render(
                request, "journey/connect_failed.html", {"message": str(failure)}, status=400
            )
        if isinstance(failure, AlreadyLinked):
            kind = Failure.ALREADY_LINKED
        elif error == "access_denied":
            kind = Failure.DENIED
        else:
            kind = Failure.FAILED
        services.record_failure(task, kind, str(failure))
        return redirect(reverse("journey:not-connected", args=[token, task.pk]))
    connection = authorised.connection
    if task is not None and task.company_id == connection.company_id:
        if not authorised.repeated:
            services.record_connected(task, connection)
        return redirect(reverse("journey:connected", args=[token, task.pk]))
    # Not started from a journey page in this browser: connect and sync straight away.
    if not authorised.repeated:
        start_sync(connection)
    return render(
        request,
        "journey/connected_plain.html",
        {"connection": connection, "org": connection.organisation},
    )


@with_link
def connected(request: HttpRequest, link: Link, task_id: int) -> HttpResponse:
    """Confirm the organisation the platform returned (rule D18)."""
    task = _task(link, task_id)
    connection = selectors.live_connection(task)
    if connection is None:
        return redirect(link.url("software", task.pk))
    if task.confirmed_connection_id == connection.pk and request.method == "GET":
        return redirect(link.resume)
    if task.confirmed_connection_id != connection.pk:
        options = _tenant_options(connection)
        if len(options) > 1:
            return _choose_organisation(request, link, task, connection, options)
    form = ConfirmCompanyForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        right = form.cleaned_data["right"] == "yes"
        services.confirm_connection(task, connection, right=right)
        if not right:
            return redirect(link.url("not-connected", task.pk))
        link.journey = selectors.journey_of(link.data_request)
        return redirect(link.resume)
    return render(
        request,
        "journey/connected.html",
        link.context(
            task=task,
            connection=connection,
            software=selectors.software_name(connection.platform),
            form=form,
        ),
    )


def _tenant_options(connection: Connection) -> list[selectors.TenantOption]:
    """The organisations the connection's login reaches; none when the platform cannot say
    (then the client confirms the one linked, as with a single organisation)."""
    from ledgerlink.connectors.base import ConnectorError
    from ledgerlink.connectors.services import available_tenants

    try:
        reachable = available_tenants(connection)
    except ConnectorError as failure:
        logger.warning(
            "Listing the organisations of connection %s failed: %s", connection.pk, failure
        )
        return []
    return selectors.tenant_options(connection, reachable)


def _choose_organisation(
    request: HttpRequest,
    link: Link,
    task: EntityTask,
    connection: Connection,
    options: list[selectors.TenantOption],
) -> HttpResponse:
    """One login reaches several organisations (Xero): the client picks this entity's."""
    from ledgerlink.connectors.base import ConnectorError
    from ledgerlink.connectors.services import AlreadyLinked, AuthorisationFailed

    software = selectors.software_name(connection.platform)
    form = ChooseOrganisationForm(_posted(request), options=options)
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["tenant"]
        if chosen == ChooseOrganisationForm.NONE:
            services.confirm_connection(task, connection, right=False)
            return redirect(link.url("not-connected", task.pk))
        names = {o.id: o.name for o in options}
        try:
            services.choose_organisation(task, connection, chosen)
        except AlreadyLinked:
            form.add_error(
                "tenant",
                _(
                    "%(name)s is already connected for another legal entity: "
                    "select a different organisation"
                )
                % {"name": names[chosen]},
            )
        except (AuthorisationFailed, ConnectorError):
            form.add_error(
                "tenant",
                _("%(software)s did not confirm that organisation. Try again in a few minutes.")
                % {"software": software},
            )
        else:
            link.journey = selectors.journey_of(link.data_request)
            return redirect(link.resume)
    return render(
        request,
        "journey/connected_choose.html",
        link.context(
            task=task,
            connection=connection,
            software=software,
            form=form,
            options=options,
        ),
    )


@with_link
def not_connected(request: HttpRequest, link: Link, task_id: int) -> HttpResponse:
    """A denied or failed authorisation: try again, other software or upload (rule C17)."""
    task = _task(link, task_id)
    if not task.failure:
        return redirect(link.resume)
    return render(
        request,
        "journey/not_connected.html",
        link.context(
            task=task,
            software=selectors.software_name(task.platform),
            back=link.url("software", task.pk),
        ),
    )


# --- manual upload ------------------------------------------------------------------------------


def _ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


def _max_upload_bytes() -> int:
    from ledgerlink.imports.parse import MAX_UPLOAD_BYTES

    return int(getattr(settings, "LEDGERLINK_JOURNEY_UPLOAD_MAX_BYTES", MAX_UPLOAD_BYTES))


@csrf_exempt  # checked below, after the size check, so a huge body is never parsed
@with_link
def upload(request: HttpRequest, link: Link, task_id: int) -> HttpResponse:
    from ledgerlink.imports.services import ImportResult, import_template
    from ledgerlink.relationships.services import notify_data_available

    task = _task(link, task_id)
    if not selectors.steps_for(link.data_request).offers_upload:
        raise Http404("Manual upload is not offered")
    limit = _max_upload_bytes()
    max_mb = max(1, limit // (1024 * 1024))
    result: ImportResult | None = None
    status = 200
    form = UploadForm(max_mb=max_mb)
    if request.method == "POST":
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > limit + 64 * 1024:
            form = UploadForm({}, {}, max_mb=max_mb)
            form.is_valid()
            form.errors["file"] = form.error_class(
                [_("The selected file must be smaller than %(size)s MB") % {"size": max_mb}]
            )
            status = 413
        else:
            rejected = CsrfViewMiddleware(_ok).process_view(request, _ok, (), {})
            if rejected is not None:
                return rejected
            form = UploadForm(request.POST, request.FILES, max_mb=max_mb)
            if form.is_valid():
                uploaded = form.cleaned_data["file"]
                if uploaded.size > limit:
                    form.add_error(
                        "file",
                        _("The selected file must be smaller than %(size)s MB") % {"size": max_mb},
                    )
                else:
                    before = task.company.provision_status
                    # Synchronous, within the size and row limits imports.parse enforces.
                    result = import_template(
                        task.company,
                        uploaded.read(),
                        uploaded.name or "upload",
                        actor_kind="client",
                        request=request,
                    )
                    if result.ok:
                        services.record_upload(task)
                        if before != "data_available":
                            notify_data_available(task.company_id)
                        link.journey = selectors.journey_of(link.data_request)
                        return redirect(link.url("uploaded", task.pk))
                    status = 400
    return render(
        request,
        "journey/upload.html",
        link.context(
            task=task,
            form=form,
            result=result,
            back=link.url("software", task.pk)
            if link.journey and link.journey.method != Method.UPLOAD
            else link.url("method"),
        ),
        status=status,
    )


@with_link
def uploaded(request: HttpRequest, link: Link, task_id: int) -> HttpResponse:
    from ledgerlink.imports.models import FileImport, ImportStatus
    from ledgerlink.imports.services import describe_counts

    task = _task(link, task_id)
    latest = (
        FileImport.objects.filter(company=task.company, status=ImportStatus.ACCEPTED)
        .order_by("-pk")
        .first()
    )
    if latest is None or task.method != Method.UPLOAD:
        return redirect(link.url("upload", task.pk))
    assert link.journey is not None
    return render(
        request,
        "journey/uploaded.html",
        link.context(
            task=task,
            file_import=latest,
            counts=describe_counts(latest.counts),
            next_url=link.url("entities")
            if selectors.is_multi(link.journey)
            else link.url("status"),
        ),
    )


def template_download(request: HttpRequest, token: str) -> HttpResponse:
    """The supplier template, for a client whose link is valid."""
    from ledgerlink.journey.downloads import template_response

    resolved = resolve_link(token)
    if resolved.state is not LinkState.VALID:
        return _private(_unusable(request, resolved, token))
    return template_response()


# --- status, saving, new links -------------------------------------------------------------------


@with_link
def status(request: HttpRequest, link: Link) -> HttpResponse:
    journey = _started(link)
    views = selectors.task_views(journey)
    context = link.context(
        views=views,
        active=selectors.any_active(views),
        reference=selectors.reference(link.data_request),
        submitted=bool(journey.submitted_at),
        resume=link.resume,
    )
    if request.headers.get("HX-Request"):
        return render(request, "journey/_status_table.html", context)
    return render(request, "journey/status.html", context)


@with_link
def saved(request: HttpRequest, link: Link) -> HttpResponse:
    return render(request, "journey/saved.html", link.context(resume=link.resume))


@require_POST
def new_link(request: HttpRequest, token: str) -> HttpResponse:
    """ "Ask for a new link" from an expired, revoked or replaced link's page.

    The answer is the same whatever happened, and shows no data of the request."""
    resolved = resolve_link(token)
    org = None
    if resolved.data_request is not None and resolved.state is not LinkState.VALID:
        ask_for_new_link(resolved.data_request, reason=resolved.state.value)
        org = resolved.data_request.organisation
    elif resolved.state is LinkState.VALID:
        return redirect(reverse("journey:landing", args=[token]))
    return _private(
        render(
            request,
            "journey/new_link_asked.html",
            {"org": org, "state": resolved.state.value},
            status=200 if org else 404,
        )
    )


@cache_control(max_age=3600, public=True)
def org_logo(request: HttpRequest, slug: str) -> FileResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    if not organisation.logo:
        raise Http404("No logo")
    response = FileResponse(organisation.logo.open("rb"))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
