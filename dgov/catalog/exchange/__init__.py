"""The catalogue as a file: XLSX with the column headers departments use, and JSON.

XLSX: sheet 事项 (one row per item), sheet 材料 (one row per material, joined to its item by
事项编码), sheet 填写说明 (what each column takes; ignored on import). Values are written the way
a guide shows them (行政许可, 是/否, department names, 网上办理、窗口办理); on import, codes are
accepted as well (licensing, scjg, true). Column order does not matter; headers do. Columns marked
（自动计算） are written for reading only (the four exemptions, computed by the platform: see
dgov.catalog.exemptions); an import ignores them, as it ignores any header it does not know.

JSON: ``{"format": "dgov.catalog", "version": 1, "items": [ItemContent.as_dict() …]}`` with the
materials nested in each item and codes for every choice; the four exemptions are under each item's
``"computed"`` key, ignored on import.

Reading never writes: it yields ``ParsedCatalogue`` (the items, and the problems found while
reading, each with sheet, row, column and message); dgov.catalog.services.catalog_import checks
the rules and writes all or nothing.
"""

from dgov.catalog.exchange.common import (
    KIND_LABELS,
    Names,
    ParsedCatalogue,
    ParsedItem,
    RowError,
)
from dgov.catalog.exchange.jsonfile import read_json, write_json
from dgov.catalog.exchange.xlsx import read_xlsx, write_xlsx

__all__ = [
    "KIND_LABELS",
    "Names",
    "ParsedCatalogue",
    "ParsedItem",
    "RowError",
    "read_json",
    "read_xlsx",
    "write_json",
    "write_xlsx",
]
