"""The region tree: path computation and loading from a data file."""

from __future__ import annotations

from dgov.accounts.models import Region


def region_path(region: Region) -> str:
    """Codes from the root down to region, "/"-joined."""
    return f"{region.parent.path}/{region.code}" if region.parent_id and region.parent else region.code
