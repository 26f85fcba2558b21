from django.urls import path

from dgov.bundles import views

app_name = "bundles"

urlpatterns = [
    path("", views.bundle_list, name="list"),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:pk>/", views.mine_detail, name="mine_detail"),
    path("receipt/<int:pk>/", views.receipt, name="receipt"),
    path("window/", views.window, name="window"),
    path("window/<slug:code>/", views.window_apply, name="window_apply"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.manage_new, name="manage_new"),
    path("manage/<int:pk>/", views.manage_edit, name="manage_edit"),
    path("manage/<int:pk>/action/", views.manage_action, name="manage_action"),
    # Bundle codes never take the words above (dgov.bundles.services.RESERVED_CODES).
    path("<slug:code>/", views.guide, name="guide"),
    path("<slug:code>/apply/", views.apply, name="apply"),
]
