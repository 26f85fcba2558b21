from django.contrib.auth.views import LogoutView
from django.urls import path

from dgov.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("home/", views.home, name="home"),
    path("mfa/", views.mfa, name="mfa"),
    path("centre/", views.centre, name="centre"),
    path("centre/reveal/", views.reveal_personal_data, name="reveal"),
    path("password/", views.password_change, name="password_change"),
    path("workbench/", views.workbench, name="workbench"),
    path("security/", views.security_console, name="security"),
    path("security/users/<int:pk>/", views.security_user, name="security_user"),
    path(
        "security/users/<int:pk>/roles/<int:assignment_id>/revoke/",
        views.security_role_revoke,
        name="security_role_revoke",
    ),
    path("security/users/<int:pk>/reset/", views.security_reset, name="security_reset"),
    path("audit/", views.audit_console, name="audit"),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path("api-tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
]
