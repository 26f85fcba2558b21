"""What the public sees of the hotline: filing, following up, the message board."""

from django.urls import path

from dgov.hotline import views_public

urlpatterns = [
    path("report/", views_public.report, name="report"),
    path("receipt/<int:pk>/", views_public.receipt, name="receipt"),
    path("mine/", views_public.mine, name="mine"),
    path("mine/<int:pk>/", views_public.mine_detail, name="mine_detail"),
    path("track/", views_public.track, name="track"),
    path("board/", views_public.board, name="board"),
    path("board/new/", views_public.board_new, name="board_new"),
]
