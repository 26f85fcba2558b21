"""The hotline console (catalogue, time limits, knowledge base, category tree) and statistics."""

from django.urls import path

from dgov.hotline import views_console

urlpatterns = [
    path("console/", views_console.home, name="console"),
    path("console/rules/", views_console.rules, name="console_rules"),
    path("console/rules/new/", views_console.rule_new, name="console_rule_new"),
    path("console/rules/<int:pk>/", views_console.rule_change, name="console_rule"),
    path("console/rules/<int:pk>/delete/", views_console.rule_delete, name="console_rule_delete"),
    path("console/limits/", views_console.limits, name="console_limits"),
    path("console/limits/<str:type>/<str:urgency>/", views_console.limit_change, name="console_limit"),
    path("console/articles/", views_console.articles, name="console_articles"),
    path("console/articles/new/", views_console.article_new, name="console_article_new"),
    path("console/articles/<int:pk>/", views_console.article_change, name="console_article"),
    path("console/articles/<int:pk>/status/", views_console.article_status, name="console_article_status"),
    path("console/categories/", views_console.categories, name="console_categories"),
    path("stats/", views_console.stats_page, name="stats"),
    path("stats/export.xlsx", views_console.stats_export, name="stats_export"),
]
