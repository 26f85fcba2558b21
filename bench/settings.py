"""Settings for the benchmark server: the platform's own settings plus the bench URLs.

Only the URL configuration differs, so production URLs stay free of the bare comparison view.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
