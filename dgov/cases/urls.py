from django.urls import path

from dgov.cases import views

app_name = "cases"

urlpatterns = [
    path("apply/<str:code>/", views.apply, name="apply"),
    path("drafts/<int:pk>/delete/", views.draft_delete, name="draft_delete"),
    path("materials/<int:pk>/", views.material_download, name="material"),
    path("materials/<int:pk>/remove/", views.material_remove, name="material_remove"),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:pk>/", views.mine_detail, name="mine_detail"),
    path("mine/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/receipt/", views.receipt, name="receipt"),
    path("lookup/", views.lookup, name="lookup"),
    path("work/", views.queue, name="queue"),
    path("work/cases/", views.staff_cases, name="staff_cases"),
    path("work/cases/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("work/cases/<int:pk>/process.xml", views.process_xml, name="process_xml"),
    path("work/cases/<int:pk>/correct/", views.correct_for_applicant, name="correct_for_applicant"),
    path("tasks/<int:pk>/", views.task_open, name="task"),
    path("work/tasks/<int:pk>/", views.task_act, name="task_act"),
    path("window/", views.window, name="window"),
    path("window/<str:code>/", views.window_apply, name="window_apply"),
]
