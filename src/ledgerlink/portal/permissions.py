"""Every portal view declares the least role it needs; deny by default."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ledgerlink.tenancy.models import Membership, Organisation, Role

RANK = {Role.VIEWER: 0, Role.ANALYST: 1, Role.ADMIN: 2}
View = TypeVar("View", bound=Callable[..., HttpResponse])


def role_required(minimum: Role) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership: Membership | None = getattr(request, "membership", None)
            if membership is None:
                return render(request, "portal/no_organisation.html", status=403)
            if RANK[Role(membership.role)] < RANK[minimum]:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.required_role = minimum  # type: ignore[attr-defined]
        return cast(View, wrapper)

    return decorator


viewer_required = role_required(Role.VIEWER)
analyst_required = role_required(Role.ANALYST)
admin_required = role_required(Role.ADMIN)


def current_org(request: HttpRequest) -> Organisation:
    organisation: Organisation = request.organisation  # type: ignore[attr-defined]
    return organisation


def current_membership(request: HttpRequest) -> Membership:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    return membership
