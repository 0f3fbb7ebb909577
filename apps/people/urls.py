"""People pages on a firm's host: staff under /people/, clients under /portal/, and the
invitation link under /invitations/."""

from django.urls import path

from apps.people import views_invitations, views_team

staff_patterns = ([
    path("", views_team.people_home, name="home"),
    path("team/", views_team.team_page, name="team"),
    path("team/invite/", views_team.staff_invite, name="staff_invite"),
    path("team/members/<int:membership_id>/role/", views_team.member_role, name="member_role"),
    path("team/members/<int:membership_id>/deactivate/", views_team.member_deactivate,
         name="member_deactivate"),
    path("invitations/<int:invitation_id>/resend/", views_team.invitation_resend_view,
         name="invitation_resend"),
    path("invitations/<int:invitation_id>/revoke/", views_team.invitation_revoke_view,
         name="invitation_revoke"),
    path("clients/<int:client_id>/access/", views_team.client_access, name="client_access"),
    path("clients/<int:client_id>/access/invite/", views_team.client_invite,
         name="client_invite"),
    path("clients/<int:client_id>/access/<int:user_id>/remove/",
         views_team.client_access_remove, name="client_access_remove"),
], "people")

portal_patterns = ([
], "portal_people")

invitation_patterns = ([
    path("<str:token>/", views_invitations.invitation_accept_view, name="accept"),
], "invitations")
