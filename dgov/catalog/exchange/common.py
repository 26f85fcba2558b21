"""What both file formats share: column headers and labels, the parsed catalogue, row errors."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from dgov.catalog.content import ItemContent, MaterialContent
from dgov.catalog.models import ItemMaterial, ServiceItem

JSON_FORMAT = "dgov.catalog"
JSON_VERSION = 1
ITEMS_SHEET = "事项"
MATERIALS_SHEET = "材料"
HELP_SHEET = "填写说明"
MAX_ITEMS = 10_000
MAX_MATERIALS = 100_000
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "×", "✗", ""}
SAME_DAY_WORDS = {"即办", "当场办结", "当场"}

KIND_LABELS: dict[str, str] = {
    ServiceItem.Kind.LICENSING: "行政许可",
    ServiceItem.Kind.CONFIRMATION: "行政确认",
    ServiceItem.Kind.PAYMENT: "行政给付",
    ServiceItem.Kind.ADJUDICATION: "行政裁决",
    ServiceItem.Kind.OTHER_POWER: "其他行政权力",
    ServiceItem.Kind.PUBLIC_SERVICE: "公共服务",
}
SUBJECT_LABELS: dict[str, str] = {
    ServiceItem.Subject.PERSON: "自然人",
    ServiceItem.Subject.ENTERPRISE: "法人",
    ServiceItem.Subject.BOTH: "自然人、法人",
}
CHANNEL_LABELS: dict[str, str] = {
    ServiceItem.Channel.ONLINE: "网上办理",
    ServiceItem.Channel.WINDOW: "窗口办理",
    ServiceItem.Channel.KIOSK: "自助终端",
    ServiceItem.Channel.MOBILE: "移动端",
    ServiceItem.Channel.PARTNER: "合作网点",
}
FORM_LABELS: dict[str, str] = {
    ItemMaterial.Form.ORIGINAL: "原件",
    ItemMaterial.Form.COPY: "复印件",
    ItemMaterial.Form.ORIGINAL_AND_COPY: "原件和复印件",
}
REQUIREMENT_LABELS: dict[str, str] = {
    ItemMaterial.Requirement.REQUIRED: "必要",
    ItemMaterial.Requirement.CONDITIONAL: "视情形提交",
}
SOURCE_LABELS: dict[str, str] = {
    ItemMaterial.Source.APPLICANT: "申请人提交",
    ItemMaterial.Source.REGISTRY: "基础库获取",
    ItemMaterial.Source.LICENCE: "电子证照获取",
}


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    kind: str  # text, int, days, bool, choice, multi, department, life_events, json
    required: bool = False
    labels: dict[str, str] | None = None
    note: str = ""
    # Written by an export, never read by an import (a value the platform computes).
    read_only: bool = False


COMPUTED_NOTE = "只读：平台按事项的材料（政府核发、材料来源）、办理渠道、网办深度和申请表单自动计算，导入时忽略此列"

ITEM_COLUMNS = (
    Column("code", "事项编码", "text", True, note="实施编码，如 440704000XK0010100001；导入时按此编码对应事项"),
    Column("basic_code", "基本编码", "text", True, note="如 XK00101000"),
    Column("name", "事项名称", "text", True),
    Column("name_en", "英文名称", "text"),
    Column("department", "实施部门", "department", True, note="部门全称或部门代码"),
    Column("kind", "事项类型", "choice", True, KIND_LABELS),
    Column("subject", "服务对象", "choice", True, SUBJECT_LABELS),
    Column("life_events", "主题分类", "life_events", note="多个用“、”分隔，如 开办企业、经营许可"),
    Column("keywords", "关键词", "text", note="同义词、俗称，空格分隔，用于检索"),
    Column("legal_basis", "设定依据", "text", True),
    Column("conditions", "受理条件", "text", True),
    Column("statutory_days", "法定办结时限", "days", True, note="工作日数；0 或“即办”表示当场办结"),
    Column("promised_days", "承诺办结时限", "days", True, note="工作日数，不得超过法定办结时限"),
    Column("fee_charged", "是否收费", "bool"),
    Column("fee_standard", "收费标准", "text"),
    Column("fee_basis", "收费依据", "text"),
    Column("channels", "办理渠道", "multi", True, CHANNEL_LABELS, note="多个用“、”分隔"),
    Column("online_depth", "网办深度", "int", True, note="1 办事指南 2 表格下载 3 网上申请 4 全程网办"),
    Column("max_visits", "最多跑动次数", "int", True, note="0 表示零跑动"),
    Column("service_location", "办理地点", "text"),
    Column("service_hours", "办理时间", "text"),
    Column("enquiry_phone", "咨询电话", "text"),
    Column("comprehensive_window", "综合窗口受理", "bool"),
    Column("high_frequency", "高频事项", "bool"),
    Column("cross_province", "跨省通办", "bool"),
    Column("single_sign_on", "单点登录", "bool"),
    Column("instant_approval", "秒批", "bool"),
    # 四免: computed from the item's materials, channels, online depth and form. Older files name them
    # 免提交, 免填写, 免盖章 and 免签字: unknown headers, so an import ignores them too.
    Column("material_exempt", "免提交（自动计算）", "bool", note=COMPUTED_NOTE, read_only=True),
    Column("prefill", "免填写（自动计算）", "bool", note=COMPUTED_NOTE, read_only=True),
    Column("e_seal", "免用实物印章（自动计算）", "bool", note=COMPUTED_NOTE, read_only=True),
    Column("e_signature", "免手写签名（自动计算）", "bool", note=COMPUTED_NOTE, read_only=True),
    Column("credit_check", "信用核查", "bool", note="办理中核查信用红黑名单（应查必查）"),
    Column("result_name", "审批结果", "text"),
    Column("output_licence_type", "结果证照类型代码", "text"),
    Column("process_key", "办理流程", "text", note="流程定义编码，默认 standard_case"),
    Column("decision_key", "秒批规则表", "text", note="决策表编码（DMN），秒批事项必填，流程用 instant_case"),
    Column("form_schema", "申请表单", "json", note="JSON Schema（见平台文档所列子集）；空表示暂无在线表单"),
    Column("is_demo", "示范数据", "bool"),
)
MATERIAL_COLUMNS = (
    Column("item_code", "事项编码", "text", True),
    Column("position", "序号", "int", note="材料在办事指南中的顺序"),
    Column("name", "材料名称", "text", True),
    Column("form", "材料形式", "choice", labels=FORM_LABELS),
    Column("copies", "份数", "int"),
    Column("requirement", "必要性", "choice", labels=REQUIREMENT_LABELS),
    Column("condition", "适用情形", "text", note="“视情形提交”的材料必填"),
    Column("source", "材料来源", "choice", labels=SOURCE_LABELS),
    Column("source_ref", "来源编码", "text", note="基础库字段或电子证照类型代码"),
    Column(
        "government_issued",
        "政府核发",
        "bool",
        note="由政府部门核发的材料（如身份证、户口簿、营业执照、不动产权证书、结婚证、残疾人证）填“是”；"
        "这类材料须从基础库或电子证照获取，事项才算“免提交”",
    ),
    Column("notes", "备注", "text"),
)


def _defaults(cls: type) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
    out.pop("materials", None)
    return out


ITEM_DEFAULTS = _defaults(ItemContent)
MATERIAL_DEFAULTS = _defaults(MaterialContent)


@dataclass(frozen=True)
class RowError:
    """One problem in an imported file: where (sheet, row as the file numbers it, column) and what."""

    sheet: str
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Where:
    sheet: str
    row: int


@dataclass
class ParsedItem:
    content: ItemContent
    at: Where
    columns: dict[str, str]  # field -> column name in this format
    material_at: list[Where]  # one per material, when materials have rows of their own
    material_columns: dict[str, str]
    reported: set[str] = field(default_factory=set)  # fields whose value could not be read at all

    def error(self, key: str, message: str) -> RowError:
        """Locate a problem reported against a field (``materials.<n>.<field>`` for materials)."""
        if key.startswith("materials."):
            _prefix, n, name = key.split(".", 2)
            if self.material_at:
                at = self.material_at[int(n) - 1]
                return RowError(at.sheet, at.row, self.material_columns.get(name, name), message)
            return RowError(self.at.sheet, self.at.row, f"materials[{n}].{name}", message)
        return RowError(self.at.sheet, self.at.row, self.columns.get(key, key), message)


@dataclass
class ParsedCatalogue:
    format: str
    items: list[ParsedItem] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class Names:
    """Names a file may use for departments and life events, mapped to their codes."""

    departments: dict[str, str]
    life_events: dict[str, str]
    department_names: dict[str, str]  # code -> name, for writing
    life_event_names: dict[str, str]

    @classmethod
    def load(cls) -> Names:
        from dgov.accounts.models import Department
        from dgov.catalog.models import LifeEvent

        depts = list(Department.objects.values_list("code", "name"))
        events = list(LifeEvent.objects.values_list("code", "name"))
        return cls(
            departments={**{n: c for c, n in depts}, **{c: c for c, _n in depts}},
            life_events={**{n: c for c, n in events}, **{c: c for c, _n in events}},
            department_names=dict(depts),
            life_event_names=dict(events),
        )
