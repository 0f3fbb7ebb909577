"""Team page (staff, roles, pending invitations) and a client's portal access page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from advisoros.forms import form_written
from apps.accounts.access import request_has_permission
from apps.accounts.models import Membership, User
from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.people import audit, team
from apps.people.forms import ClientInviteForm, RoleForm, StaffInviteForm
from apps.people.invitations import invitation_create, invitation_resend, invitation_revoke
from apps.people.models import Invitation
from apps.portal.models import Client, ClientAccess
from apps.portal.selectors import client_get
from apps.portal.services import client_access_revoke


def error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _team_page(request: HttpRequest, form: StaffInviteForm, status: int = 200) -> HttpResponse:
    pending = Invitation.objects.filter(kind=Invitation.Kind.STAFF,
                                        status=Invitation.Status.PENDING)
    return render(request, "people/team.html", {
        "members": team.team_members(request.firm.pk), "pending": pending, "form": form,
        "role_form": RoleForm(), "can_manage": request_has_permission(request, Perm.MEMBERS_MANAGE),
        "section": "team",
    }, status=status)


@firm_permission_required(Perm.MEMBERS_VIEW, Perm.MESSAGES_USE)
def people_home(request: HttpRequest) -> HttpResponse:
    """The nav's one People link: the inbox for those who answer clients, else the team."""
    if request_has_permission(request, Perm.MESSAGES_USE):
        return redirect("people:inbox")
    return redirect("people:team")


@firm_permission_required(Perm.MEMBERS_VIEW)
def team_page(request: HttpRequest) -> HttpResponse:
    return _team_page(request, StaffInviteForm())


@require_POST
@firm_permission_required(Perm.MEMBERS_MANAGE)
def staff_invite(request: HttpRequest) -> HttpResponse:
    form = StaffInviteForm(request.POST)
    if form_written(form, lambda data: invitation_create(
            email=data["email"], role=data["role"], by=request.user, request=request)):
        messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
        return redirect("people:team")
    return _team_page(request, form, status=400)


def _invitation_for(request: HttpRequest, invitation_id: int) -> Invitation:
    """The invitation, if the user may manage its kind (staff: members.manage; client
    users: clients.invite)."""
    invitation = get_object_or_404(Invitation.objects.select_related("client"), pk=invitation_id)
    needed = (Perm.MEMBERS_MANAGE if invitation.kind == Invitation.Kind.STAFF
              else Perm.CLIENT_USERS_INVITE)
    if not request_has_permission(request, needed):
        raise PermissionDenied
    return invitation


def _back(invitation: Invitation) -> HttpResponse:
    if invitation.kind == Invitation.Kind.CLIENT:
        return redirect("people:client_access", client_id=invitation.client_id)
    return redirect("people:team")


@require_POST
@firm_permission_required(Perm.MEMBERS_MANAGE, Perm.CLIENT_USERS_INVITE)
def invitation_resend_view(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = _invitation_for(request, invitation_id)
    try:
        invitation_resend(invitation=invitation, by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"A new link was sent to {invitation.email}; the earlier "
                                  "one no longer works.")
    return _back(invitation)


@require_POST
@firm_permission_required(Perm.MEMBERS_MANAGE, Perm.CLIENT_USERS_INVITE)
def invitation_revoke_view(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = _invitation_for(request, invitation_id)
    try:
        invitation_revoke(invitation=invitation, by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"The invitation to {invitation.email} was withdrawn.")
    return _back(invitation)


def _member(request: HttpRequest, membership_id: int) -> Membership:
    try:
        return team.member_get(firm_id=request.firm.pk, membership_id=membership_id)
    except Membership.DoesNotExist as exc:
        raise Http404("No such member.") from exc


@require_POST
@firm_permission_required(Perm.MEMBERS_MANAGE)
def member_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _member(request, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles offered.")
        return redirect("people:team")
    try:
        team.member_role_change(membership=membership, role=form.cleaned_data["role"],
                                by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"{membership.user.get_full_name()} is now "
                                  f"{membership.get_role_display()}.")
    return redirect("people:team")


@require_POST
@firm_permission_required(Perm.MEMBERS_MANAGE)
def member_deactivate(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _member(request, membership_id)
    try:
        team.member_deactivate(membership=membership, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"{membership.user.get_full_name()} no longer has access.")
    return redirect("people:team")


def _client(client_id: int) -> Client:
    try:
        return client_get(client_id)
    except Client.DoesNotExist as exc:
        raise Http404("No such client.") from exc


def _access_page(request: HttpRequest, client: Client, form: ClientInviteForm,
                 status: int = 200) -> HttpResponse:
    user_ids = ClientAccess.objects.filter(client=client).values_list("user_id", flat=True)
    people = User.objects.filter(pk__in=list(user_ids)).order_by("full_name", "email")
    pending = Invitation.objects.filter(client=client, status=Invitation.Status.PENDING)
    return render(request, "people/client_access.html", {
        "client": client, "people": people, "pending": pending, "form": form,
    }, status=status)


@firm_permission_required(Perm.CLIENT_USERS_INVITE)
def client_access(request: HttpRequest, client_id: int) -> HttpResponse:
    return _access_page(request, _client(client_id), ClientInviteForm())


@require_POST
@firm_permission_required(Perm.CLIENT_USERS_INVITE)
def client_invite(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client(client_id)
    form = ClientInviteForm(request.POST)
    if form_written(form, lambda data: invitation_create(
            email=data["email"], role=data["role"], client=client, by=request.user,
            request=request)):
        messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
        return redirect("people:client_access", client_id=client.pk)
    return _access_page(request, client, form, status=400)


@require_POST
@firm_permission_required(Perm.CLIENT_USERS_INVITE)
def client_access_remove(request: HttpRequest, client_id: int, user_id: int) -> HttpResponse:
    client = _client(client_id)
    # Only people who have access to this client: any other id answers 404 alike.
    if not ClientAccess.objects.filter(client=client, user_id=user_id).exists():
        raise Http404("No such person with access.")
    user = get_object_or_404(User, pk=user_id)
    if client_access_revoke(client=client, user=user, request=request):
        audit.people_audit(audit.PORTAL_ACCESS_REVOKED, request=request, target=user,
                           details={"email": user.email, "client_id": client.pk})
        messages.success(request, f"{user.get_full_name()} can no longer see "
                                  f"{client.business_name}.")
    return redirect("people:client_access", client_id=client.pk)
