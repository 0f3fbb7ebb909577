"""Work management pages (/work/...) of a firm's host."""

from django.urls import path

from apps.work import views

staff_patterns = ([
    path("", views.my_work, name="my_work"),
    path("board/", views.board, name="board"),
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/new/", views.job_create, name="job_create"),
    path("jobs/<int:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/<int:job_id>/move/", views.job_move, name="job_move"),
    path("tasks/<int:task_id>/complete/", views.task_complete, name="task_complete"),
    path("automation-runs/<int:run_id>/retry/", views.run_retry, name="run_retry"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/<int:template_id>/edit/", views.template_edit, name="template_edit"),
    path("templates/<int:template_id>/copy/", views.template_copy, name="template_copy"),
    path("capacity/", views.capacity, name="capacity"),
    path("capacity/<int:user_id>/", views.capacity_edit, name="capacity_edit"),
    path("jobs/<int:job_id>/rebalance/", views.job_rebalance, name="job_rebalance"),
    path("time/", views.time_page, name="time"),
    path("time/log/", views.time_log, name="time_log"),
    path("time/stop/", views.timer_stop, name="timer_stop"),
    path("wip/", views.wip, name="wip"),
    path("wip/<int:client_id>/bill/", views.wip_bill, name="wip_bill"),
    path("clients/<int:client_id>/", views.client_work, name="client_work"),
    path("schedules/", views.schedules, name="schedules"),
], "work")
