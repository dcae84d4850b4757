"""Staff directory and, for staff.manage, creating and changing staff accounts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from heartline.accounts import services
from heartline.accounts.models import User
from heartline.accounts.selectors import staff_list_for_user, team_list_for_user
from heartline.core.access import requires
from heartline.web.forms import StaffCreateForm, StaffUpdateForm


def attach_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages_ in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages_)


@requires("staff.view")
def staff_list(request: HttpRequest) -> HttpResponse:
    context = {
        "staff": staff_list_for_user(request.user),
        "teams": team_list_for_user(request.user),
        "can_manage": request.user.has_perm("staff.manage"),
    }
    return render(request, "web/staff_list.html", context)


@requires("staff.manage")
def staff_create(request: HttpRequest) -> HttpResponse:
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = services.staff_create(
                actor=request.user,
                username=data["username"],
                password=data["password"] or None,
                role=data["role"],
                email=data["email"],
                display_name=data["display_name"],
                team=data["team"],
                language=data["language"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Staff member %(name)s created.") % {"name": member})
            return redirect("web:staff")
    status = 400 if form.errors else 200
    return render(request, "web/staff_form.html", {"form": form, "creating": True}, status=status)


def _member(request: HttpRequest, pk: int) -> User:
    member = staff_list_for_user(request.user).filter(pk=pk).first()
    if member is None:
        raise Http404
    return member


def _own_lockout_error(actor: Any, member: User, data: dict[str, Any]) -> str | None:
    if actor.pk != member.pk:
        return None
    if not data["is_active"]:
        return _("You cannot deactivate your own account.")
    if data["role"] != member.role:
        return _("You cannot change your own role.")
    return None


@requires("staff.manage")
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    initial = {
        "display_name": member.display_name,
        "email": member.email,
        "role": member.role,
        "team": member.team_id,
        "language": member.language,
        "is_active": member.is_active,
    }
    form = StaffUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        refusal = _own_lockout_error(request.user, member, data)
        if refusal:
            form.add_error(None, refusal)
        else:
            try:
                services.staff_update(actor=request.user, user=member, **data)
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, _("Staff member %(name)s saved.") % {"name": member})
                return redirect("web:staff")
    status = 400 if form.errors else 200
    context = {"form": form, "member": member, "creating": False}
    return render(request, "web/staff_form.html", context, status=status)
