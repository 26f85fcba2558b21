"""The public portal: the front door for citizens and enterprises."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dgov.accounts.models import Department, Region


def home(request: HttpRequest) -> HttpResponse:
    subdistricts = (
        Region.objects.filter(level=Region.Level.SUBDISTRICT)
        .annotate(community_count=Count("children"))
        .order_by("code")
    )
    departments = Department.objects.order_by("kind", "code")
    return render(request, "portal/home.html", {"subdistricts": subdistricts, "departments": departments})
