"""The items the demo bundles need that the demo catalogue lacks, written like its items.

They are created through the catalogue's own services (dgov.bundles.demo) and marked is_demo.
Forms share field names across a bundle's items (``applicant_name``, ``id_number``, ``phone``,
``org_name``, ``legal_representative``, ``registered_address``, ``basic_account``,
``bank_account``, ``property_address`` …) with the same meaning, so the merged form asks each
once. Codes, addresses, some time limits and every form are invented for the demo; the legal
bases name real laws and regulations. Time limits are working days.
"""

from __future__ import annotations

from typing import Any

from dgov.catalog.coding import basic_code, implementation_code
from dgov.catalog.content import ItemContent
from dgov.catalog.demo_items import (
    FULL_ONLINE,
    HALL,
    HOURS,
    C,
    Form,
    Src,
    _choice,
    _date,
    _m,
    _s,
    application,
)
from dgov.catalog.models import ServiceItem

K = ServiceItem.Kind
S = ServiceItem.Subject

# Main-item numbers: new departments get their own blocks (after the catalogue's 1–15); items of
# existing departments take numbers their blocks do not use yet.
BLOCKS = {"scjg": 1, "rsj": 2, "ybj": 11, "gaj": 15, "swj": 16, "gjj": 17, "zrj": 18, "dpf": 19}
UTILITY_BLOCKS = {"water": 20, "power": 21, "gas": 22}


ID_CARD = _m(
    "居民身份证",
    source=Src.LICENCE,
    ref="resident_id_card",
    notes="窗口办理出示原件；网上办理经实名认证后免提交",
    gov=True,
)
AGENT_ID = _m(
    "经办人居民身份证", source=Src.LICENCE, ref="resident_id_card", notes="由电子证照库调取，免提交", gov=True
)
BUSINESS_REGISTRATION = _m(
    "营业执照（登记信息）",
    source=Src.REGISTRY,
    ref="enterprise.registration",
    notes="企业设立登记后由市场监管部门登记信息共享推送，免提交",
    gov=True,
)
BANK_ACCOUNT = _m("本人银行账户信息", form=Form.COPY, notes="用于发放资金，也可在申请表中填写")
PROPERTY_CERTIFICATE = _m("不动产权属证书", notes="转移登记与水电气过户共用，上传一次", gov=True)


def _form(title: str, common: dict[str, Any], own: dict[str, Any], required: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "object", "title": title, "properties": {**common, **own}, "required": list(required)}


PERSON = {
    "applicant_name": _s("申请人姓名", 50),
    "id_number": _s("公民身份号码", 18),
    "phone": _s("联系电话", 20),
    "address": _s("联系地址", 200),
}
PERSON_REQUIRED = ("applicant_name", "id_number", "phone")
# 开办企业: the investor or agent applies before the enterprise exists (no credit code yet).
STARTUP = {
    "applicant_name": _s("经办人姓名", 50),
    "id_number": _s("经办人公民身份号码", 18),
    "phone": _s("经办人联系电话", 20),
    "org_name": _s("企业名称", 100),
    "legal_representative": _s("法定代表人", 50),
    "registered_address": _s("住所（经营场所）", 200),
}
STARTUP_REQUIRED = ("applicant_name", "id_number", "phone", "org_name", "legal_representative", "registered_address")
BASIC_ACCOUNT = _s("单位基本存款账户账号", 30)
EMPLOYEES = {"type": "integer", "title": "职工人数"}
BANK = _s("本人银行账号", 30)
RETIREMENT_DATE = _date("退休（达到法定退休年龄）日期")
PROPERTY = {"property_address": _s("不动产坐落", 200), "property_certificate": _s("不动产权证书号", 50)}


def bundle_items(regions: dict[str, str]) -> list[ItemContent]:
    """The new items; ``regions`` maps department codes to their region codes (for item codes)."""
    items: list[ItemContent] = []

    def add(department: str, kind: str, main: int, name: str, **fields: Any) -> None:
        block = BLOCKS.get(department) or UTILITY_BLOCKS[department]
        basic = basic_code(kind, block * 100 + main)
        fields.setdefault("service_location", HALL)
        fields.setdefault("service_hours", HOURS)
        fields.setdefault("enquiry_phone", "12345")
        fields.setdefault("process_key", "standard_case")
        items.append(
            ItemContent(
                code=implementation_code(regions.get(department, "440704"), basic),
                basic_code=basic,
                name=name,
                department=department,
                kind=kind,
                is_demo=True,
                **fields,
            )
        )

    # --- 开办企业 (the plan's five steps) --------------------------------------------------------
    add(
        "scjg",
        K.LICENSING,
        4,
        "企业设立登记",
        name_en="Registration of a new enterprise",
        subject=S.BOTH,
        life_events=("start_business",),
        keywords="开办企业 公司注册 营业执照 设立登记 有限责任公司",
        legal_basis="《中华人民共和国市场主体登记管理条例》第三条、第十九条；《中华人民共和国公司法》第二十九条",
        conditions="有符合规定的名称、住所、注册资本、经营范围、公司章程和组织机构；经营范围不属于法律、行政法规禁止的行业。",
        statutory_days=3,
        promised_days=1,
        **FULL_ONLINE,
        high_frequency=True,
        result_name="营业执照（电子营业执照由国家市场监督管理总局电子营业执照系统发放）",
        materials=(
            application("公司登记（备案）申请书"),
            _m("公司章程"),
            _m(
                "股东（发起人）主体资格证明",
                source=Src.LICENCE,
                ref="resident_id_card",
                notes="自然人股东由电子证照库调取",
            ),
            _m("法定代表人、董事、监事和经理的任职文件"),
            _m("住所使用相关文件", form=Form.COPY, notes="自有房产由不动产登记信息核验"),
            _m("授权委托书及受托人居民身份证", when="委托他人代为办理的"),
        ),
        form_schema=_form(
            "企业设立登记",
            STARTUP,
            {
                "enterprise_type": _choice(
                    "企业类型", ["有限责任公司（自然人独资）", "有限责任公司（自然人投资或控股）", "股份有限公司"]
                ),
                "registered_capital": {"type": "number", "title": "注册资本（万元）"},
                "business_scope": _s("经营范围", 500),
                "shareholders": _s("股东（发起人）及出资情况", 500),
            },
            (*STARTUP_REQUIRED, "enterprise_type", "registered_capital", "business_scope", "shareholders"),
        ),
    )
    add(
        "gaj",
        K.OTHER_POWER,
        1,
        "公章刻制备案",
        name_en="Filing of official seal engraving",
        subject=S.BOTH,
        life_events=("start_business",),
        keywords="刻章 公章 财务章 发票专用章 印章备案",
        legal_basis=(
            "《国务院对确需保留的行政审批项目设定行政许可的决定》（国务院令第412号）；"
            "《国务院关于取消和下放一批行政许可事项的决定》（国发〔2020〕13号）（公章刻制审批改为备案管理）"
        ),
        conditions="依法设立的企业，委托具有公章刻制资质的企业刻制单位公章、财务专用章、发票专用章等印章。",
        statutory_days=1,
        promised_days=1,
        **FULL_ONLINE,
        result_name="印章刻制备案信息",
        materials=(
            application("印章刻制备案申请表"),
            BUSINESS_REGISTRATION,
            AGENT_ID,
        ),
        form_schema=_form(
            "公章刻制备案",
            STARTUP,
            {
                "seal_types": _s("刻制印章种类（如单位公章、财务专用章、发票专用章）", 200),
                "seal_maker": _choice("刻章企业", ["江海区印章刻制企业（示例一）", "江海区印章刻制企业（示例二）"]),
            },
            (*STARTUP_REQUIRED, "seal_types", "seal_maker"),
        ),
    )
    add(
        "swj",
        K.OTHER_POWER,
        1,
        "发票领用（新办纳税人）",
        name_en="First invoices for a new taxpayer",
        subject=S.BOTH,
        life_events=("start_business",),
        keywords="发票 领票 税务 新办纳税人 数电发票 税控",
        legal_basis="《中华人民共和国发票管理办法》第十五条；《中华人民共和国税收征收管理法》第十五条、第二十一条",
        conditions="已办理设立登记、需要领用发票的新办纳税人；经办人已完成实名办税。",
        statutory_days=5,
        promised_days=1,
        **FULL_ONLINE,
        result_name="发票领用（数电发票开票额度）",
        materials=(
            application("发票领用申请表"),
            BUSINESS_REGISTRATION,
            AGENT_ID,
        ),
        form_schema=_form(
            "发票领用（新办纳税人）",
            STARTUP,
            {
                "taxpayer_type": _choice("纳税人类型", ["小规模纳税人", "一般纳税人"]),
                "invoice_type": _choice("发票种类", ["数电发票（普通发票）", "数电发票（增值税专用发票）"]),
                "basic_account": BASIC_ACCOUNT,
            },
            (*STARTUP_REQUIRED, "taxpayer_type", "invoice_type"),
        ),
    )
    add(
        "rsj",
        K.PUBLIC_SERVICE,
        4,
        "单位参加社会保险登记",
        name_en="Employer's social insurance registration",
        subject=S.BOTH,
        life_events=("start_business", "hiring"),
        keywords="社保登记 单位参保 社保开户 企业社保",
        legal_basis="《中华人民共和国社会保险法》第五十七条；《社会保险费征缴暂行条例》第七条",
        conditions="用人单位应当自成立之日起三十日内申请办理社会保险登记。",
        statutory_days=15,
        promised_days=1,
        **FULL_ONLINE,
        result_name="社会保险登记信息",
        materials=(
            application("社会保险登记表（单位）"),
            BUSINESS_REGISTRATION,
        ),
        form_schema=_form(
            "单位参加社会保险登记",
            STARTUP,
            {"employee_count": EMPLOYEES, "basic_account": BASIC_ACCOUNT},
            (*STARTUP_REQUIRED, "employee_count", "basic_account"),
        ),
    )
    add(
        "gjj",
        K.PUBLIC_SERVICE,
        1,
        "住房公积金单位缴存登记",
        name_en="Employer's housing provident fund registration",
        subject=S.BOTH,
        life_events=("start_business", "hiring"),
        keywords="公积金 开户 单位缴存 缴存登记",
        legal_basis="《住房公积金管理条例》第十四条、第十五条",
        conditions="新设立的单位应当自设立之日起三十日内到住房公积金管理中心办理住房公积金缴存登记。",
        statutory_days=5,
        promised_days=1,
        **FULL_ONLINE,
        result_name="住房公积金单位缴存登记信息",
        materials=(
            application("住房公积金单位缴存登记表"),
            BUSINESS_REGISTRATION,
            _m("单位职工名册", notes="列明职工姓名、公民身份号码和月工资"),
        ),
        form_schema=_form(
            "住房公积金单位缴存登记",
            STARTUP,
            {
                "employee_count": EMPLOYEES,
                "basic_account": BASIC_ACCOUNT,
                "deposit_ratio": _choice("缴存比例", ["5%", "6%", "8%", "10%", "12%"]),
            },
            (*STARTUP_REQUIRED, "employee_count", "basic_account", "deposit_ratio"),
        ),
    )

    # --- 退休 -----------------------------------------------------------------------------------
    add(
        "rsj",
        K.PAYMENT,
        4,
        "企业职工基本养老保险待遇申领",
        name_en="Claim of an employee's basic pension",
        subject=S.PERSON,
        life_events=("elderly", "social_insurance"),
        keywords="退休 养老金 养老待遇 退休审批",
        legal_basis="《中华人民共和国社会保险法》第十六条；《国务院关于完善企业职工基本养老保险制度的决定》（国发〔2005〕38号）",
        conditions="参加企业职工基本养老保险，达到法定退休年龄且累计缴费满十五年的人员。",
        statutory_days=20,
        promised_days=10,
        **FULL_ONLINE,
        high_frequency=True,
        result_name="基本养老金核定信息",
        materials=(ID_CARD, BANK_ACCOUNT),
        form_schema=_form(
            "企业职工基本养老保险待遇申领",
            PERSON,
            {"retirement_date": RETIREMENT_DATE, "last_employer": _s("退休前所在单位", 100), "bank_account": BANK},
            (*PERSON_REQUIRED, "retirement_date", "bank_account"),
        ),
    )
    add(
        "ybj",
        K.PUBLIC_SERVICE,
        3,
        "职工基本医疗保险退休人员待遇核定",
        name_en="Retiree's basic medical insurance entitlement",
        subject=S.PERSON,
        life_events=("elderly", "health"),
        keywords="退休 医保 退休医保待遇 缴费年限",
        legal_basis="《中华人民共和国社会保险法》第二十七条；《医疗保障经办政务服务事项清单》",
        conditions="参加职工基本医疗保险，达到法定退休年龄时累计缴费达到国家规定年限的人员。",
        statutory_days=15,
        promised_days=5,
        **FULL_ONLINE,
        result_name="退休人员医疗保险待遇核定信息",
        materials=(ID_CARD,),
        form_schema=_form(
            "职工基本医疗保险退休人员待遇核定",
            PERSON,
            {
                "retirement_date": RETIREMENT_DATE,
                "medical_years": {"type": "integer", "title": "医保累计缴费年限（年）"},
            },
            (*PERSON_REQUIRED, "retirement_date", "medical_years"),
        ),
    )
    add(
        "gjj",
        K.PUBLIC_SERVICE,
        2,
        "住房公积金提取（离休、退休）",
        name_en="Housing provident fund withdrawal on retirement",
        subject=S.PERSON,
        life_events=("elderly", "housing"),
        keywords="公积金提取 退休提取 销户",
        legal_basis="《住房公积金管理条例》第二十四条",
        conditions="职工离休、退休的，可以提取职工住房公积金账户内的存储余额。",
        statutory_days=3,
        promised_days=1,
        **FULL_ONLINE,
        result_name="住房公积金提取到账",
        materials=(
            ID_CARD,
            _m("退休审批信息", source=Src.REGISTRY, ref="social_insurance.retirement", notes="由人社部门共享，免提交"),
            BANK_ACCOUNT,
        ),
        form_schema=_form(
            "住房公积金提取（离休、退休）",
            PERSON,
            {
                "retirement_date": RETIREMENT_DATE,
                "fund_account": _s("住房公积金个人账号", 30),
                "bank_account": BANK,
            },
            (*PERSON_REQUIRED, "retirement_date", "fund_account", "bank_account"),
        ),
    )

    # --- 二手房转移登记及水电气过户 --------------------------------------------------------------
    add(
        "zrj",
        K.CONFIRMATION,
        1,
        "不动产转移登记（二手房买卖）",
        name_en="Transfer registration of real estate (resale)",
        subject=S.PERSON,
        life_events=("housing",),
        keywords="二手房 过户 不动产登记 房产证 转移登记",
        legal_basis="《不动产登记暂行条例》第三条、第十四条、第二十条；《不动产登记暂行条例实施细则》第三十八条",
        conditions="买卖、赠与、继承等导致不动产权利发生转移的，当事人共同申请转移登记（继承等情形可单方申请）。",
        statutory_days=30,
        promised_days=5,
        channels=(C.ONLINE, C.WINDOW, C.MOBILE),
        online_depth=3,
        max_visits=1,
        comprehensive_window=True,
        single_sign_on=True,
        fee_charged=True,
        fee_standard="住宅类不动产登记费每件80元（含一本证书工本费）",
        fee_basis="《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）",
        high_frequency=True,
        result_name="不动产权证书（不动产登记证明）",
        materials=(
            application("不动产登记申请书"),
            ID_CARD,
            PROPERTY_CERTIFICATE,
            _m("不动产买卖合同", form=Form.ORIGINAL_AND_COPY),
            _m("完税凭证", source=Src.REGISTRY, ref="tax.deed_tax", notes="由税务部门共享，免提交"),
        ),
        form_schema=_form(
            "不动产转移登记",
            PERSON,
            {
                **PROPERTY,
                "seller_name": _s("转让方（卖方）姓名或名称", 100),
                "transfer_reason": _choice("转移原因", ["买卖", "赠与", "继承"]),
                "price": {"type": "number", "title": "成交价格（万元）"},
            },
            (*PERSON_REQUIRED, "property_address", "property_certificate", "seller_name", "transfer_reason"),
        ),
    )
    utilities = (
        (
            "water",
            "供水过户",
            "Transfer of a water supply account",
            "《优化营商环境条例》（国务院令第722号）第二十七条；《城市供水条例》（国务院令第158号）",
            {"water_account": _s("原用水户号", 30)},
        ),
        (
            "power",
            "供电过户",
            "Transfer of an electricity account",
            "《优化营商环境条例》（国务院令第722号）第二十七条；《电力供应与使用条例》；《供电营业规则》",
            {"power_account": _s("原用电户号", 30)},
        ),
        (
            "gas",
            "管道燃气过户",
            "Transfer of a piped gas account",
            "《优化营商环境条例》（国务院令第722号）第二十七条；《城镇燃气管理条例》（国务院令第583号）",
            {"gas_account": _s("原燃气户号", 30)},
        ),
    )
    for department, name, name_en, basis, own in utilities:
        add(
            department,
            K.PUBLIC_SERVICE,
            1,
            name,
            name_en=name_en,
            subject=S.PERSON,
            life_events=("housing",),
            keywords=f"过户 更名 二手房 {name[:-2]}",
            legal_basis=basis,
            conditions="不动产权属转移后，新产权人申请将用户名称变更为本人，并结清原户欠费。",
            statutory_days=5,
            promised_days=1,
            **FULL_ONLINE,
            result_name="用户名称变更（过户）完成",
            materials=(ID_CARD, PROPERTY_CERTIFICATE),
            form_schema=_form(name, PERSON, {**PROPERTY, **own}, (*PERSON_REQUIRED, *PROPERTY, *own)),
        )

    # --- 残疾人服务 -------------------------------------------------------------------------------
    add(
        "dpf",
        K.PUBLIC_SERVICE,
        1,
        "残疾人证办理",
        name_en="Disability certificate",
        subject=S.PERSON,
        life_events=("disability",),
        keywords="残疾人证 办证 残疾评定 换领",
        legal_basis="《中华人民共和国残疾人保障法》第二条；《中华人民共和国残疾人证管理办法》（中国残疾人联合会）",
        conditions="符合残疾标准的本区户籍居民，经指定医疗机构残疾评定后申请办理残疾人证。",
        statutory_days=20,
        promised_days=10,
        channels=(C.ONLINE, C.WINDOW, C.MOBILE),
        online_depth=3,
        max_visits=1,
        comprehensive_window=True,
        single_sign_on=True,
        result_name="中华人民共和国残疾人证",
        output_licence_type="disability_certificate",
        materials=(
            application("残疾人证申请表"),
            ID_CARD,
            _m("近期免冠彩色证件照片"),
            _m("监护人或代理人身份证明", when="由监护人或代理人代为申请的"),
        ),
        form_schema=_form(
            "残疾人证办理",
            PERSON,
            {
                "disability_category": _choice(
                    "残疾类别", ["视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾", "多重残疾"]
                ),
                "guardian_name": _s("监护人姓名（代为申请时填写）", 50),
            },
            (*PERSON_REQUIRED, "disability_category"),
        ),
    )
    return items
