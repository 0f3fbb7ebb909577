"""People pages on a firm's host: staff under /people/, clients under /portal/, and the
invitation link under /invitations/."""

from django.urls import path

from apps.people import (
    views_builders,
    views_invitations,
    views_messages,
    views_notifications,
    views_organizers,
    views_proposals,
    views_team,
)

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
    path("inbox/", views_messages.inbox, name="inbox"),
    path("clients/<int:client_id>/threads/new/", views_messages.thread_create,
         name="thread_create"),
    path("threads/<int:thread_id>/", views_messages.thread_page, name="thread"),
    path("threads/<int:thread_id>/assign/", views_messages.thread_assign_view,
         name="thread_assign"),
    path("proposals/", views_proposals.proposal_list, name="proposals"),
    path("clients/<int:client_id>/proposals/new/", views_proposals.proposal_new,
         name="proposal_new"),
    path("proposals/<int:proposal_id>/", views_proposals.proposal_detail, name="proposal"),
    path("proposals/<int:proposal_id>/send/", views_proposals.proposal_send_view,
         name="proposal_send"),
    path("proposals/<int:proposal_id>/withdraw/", views_proposals.proposal_withdraw_view,
         name="proposal_withdraw"),
    path("organizers/", views_organizers.organizer_list, name="organizers"),
    path("clients/<int:client_id>/organizers/new/", views_organizers.organizer_new,
         name="organizer_new"),
    path("organizers/<int:organizer_id>/", views_organizers.organizer_detail,
         name="organizer"),
    path("organizer-templates/", views_builders.organizer_templates,
         name="organizer_templates"),
    path("organizer-templates/new/", views_builders.organizer_template_new,
         name="organizer_template_new"),
    path("organizer-templates/<int:template_id>/", views_builders.organizer_template_edit,
         name="organizer_template"),
    path("organizer-templates/<int:template_id>/copy/",
         views_builders.organizer_template_copy_view, name="organizer_template_copy"),
    path("organizer-templates/<int:template_id>/preview/",
         views_builders.organizer_template_preview, name="organizer_template_preview"),
    path("proposal-templates/", views_builders.proposal_templates, name="proposal_templates"),
    path("proposal-templates/new/", views_builders.proposal_template_new,
         name="proposal_template_new"),
    path("proposal-templates/<int:template_id>/", views_builders.proposal_template_edit,
         name="proposal_template"),
    path("proposal-templates/<int:template_id>/copy/",
         views_builders.proposal_template_copy_view, name="proposal_template_copy"),
], "people")

portal_patterns = ([
    path("<int:client_id>/messages/", views_messages.portal_threads, name="threads"),
    path("<int:client_id>/messages/<int:thread_id>/", views_messages.portal_thread,
         name="thread"),
    path("<int:client_id>/proposals/", views_proposals.portal_proposals, name="proposals"),
    path("<int:client_id>/proposals/<int:proposal_id>/", views_proposals.portal_proposal,
         name="proposal"),
    path("<int:client_id>/organizers/", views_organizers.portal_organizers, name="organizers"),
    path("<int:client_id>/organizers/<int:organizer_id>/", views_organizers.portal_organizer,
         name="organizer"),
], "portal_people")

notification_patterns = ([
    path("", views_notifications.centre, name="centre"),
    path("<int:notification_id>/open/", views_notifications.open_notification, name="open"),
    path("read-all/", views_notifications.mark_all_read, name="read_all"),
    path("preferences/", views_notifications.preferences, name="preferences"),
], "notifications")

invitation_patterns = ([
    path("<str:token>/", views_invitations.invitation_accept_view, name="accept"),
], "invitations")
