"""The hotline's pages: staff work (urls_staff) and what the public sees (urls_public)."""

from dgov.hotline import urls_console, urls_public, urls_staff

app_name = "hotline"
urlpatterns = [*urls_staff.urlpatterns, *urls_public.urlpatterns, *urls_console.urlpatterns]
