"""Celery application. In the embedded default tasks run eagerly in-process."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("dgov")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Celery beat. Crontab times are in CELERY_TIMEZONE (Asia/Shanghai, config/settings.py).
# The embedded default runs no beat: run `manage.py sweep_deadlines`, `manage.py sweep_tickets` and
# `manage.py snapshot_indicators --yesterday` from cron instead.
app.conf.beat_schedule = {
    "workflow-sweep-deadlines": {
        "task": "dgov.workflow.sweep_deadlines",
        "schedule": crontab(minute="*/15"),
        # A run that waited longer than its interval is dropped: the next one does the same work.
        "options": {"expires": 14 * 60},
    },
    # 12345: escalate late tickets, close replied ones nobody could rate.
    "hotline-sweep": {
        "task": "dgov.hotline.sweep",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 14 * 60},
    },
    # The indicators' daily snapshot of the day that has just ended.
    "indicators-snapshot": {
        "task": "dgov.indicators.snapshot",
        "schedule": crontab(hour=0, minute=10),
        "options": {"expires": 6 * 60 * 60},
    },
    # 跨域通办: messages to other regions' platforms that are due (new, or waiting to be retried).
    "crossregion-send-pending": {
        "task": "dgov.crossregion.send_pending",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 4 * 60},
    },
}
