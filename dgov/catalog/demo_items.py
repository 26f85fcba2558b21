"""The demo items: names, legal bases, materials and time limits a Jianghai clerk would recognise.

Codes, addresses, some time limits and every form are invented for the demo (``is_demo``); the
legal bases name real laws and regulations. Time limits are working days; 0 is on the spot (即办).
"""

from __future__ import annotations

from typing import Any

from dgov.catalog.coding import basic_code, implementation_code
from dgov.catalog.content import ItemContent, MaterialContent
from dgov.catalog.models import ItemMaterial, ServiceItem

K = ServiceItem.Kind
S = ServiceItem.Subject
C = ServiceItem.Channel
Form = ItemMaterial.Form
Src = ItemMaterial.Source
Req = ItemMaterial.Requirement

HALL = "江海区政务服务中心（示范地址）一楼综合受理窗口"
HOURS = "周一至周五 8:30—12:00，14:30—17:30（法定节假日除外）"
PHONE = "12345"

# Ways of being served, as the district offers them.
FULL_ONLINE: dict[str, Any] = {
    "channels": (C.ONLINE, C.WINDOW, C.KIOSK, C.MOBILE),
    "online_depth": 4,
    "max_visits": 0,
    "comprehensive_window": True,
    "single_sign_on": True,
}
ONE_VISIT: dict[str, Any] = {
    "channels": (C.ONLINE, C.WINDOW, C.MOBILE),
    "online_depth": 3,
    "max_visits": 1,
    "comprehensive_window": True,
    "single_sign_on": True,
}
# The four exemptions (四免) are computed from each item's materials, channels, online depth and form
# (dgov.catalog.exemptions), never declared.


def _m(
    name: str,
    *,
    form: str = Form.ORIGINAL,
    copies: int = 1,
    when: str = "",
    source: str = Src.APPLICANT,
    ref: str = "",
    notes: str = "",
    gov: bool = False,
) -> MaterialContent:
    """A material; ``gov``: issued by a government body (身份证, 户口簿, 营业执照, 许可证 …)."""
    return MaterialContent(
        name=name,
        form=form,
        copies=copies,
        requirement=Req.CONDITIONAL if when else Req.REQUIRED,
        condition=when,
        source=source,
        source_ref=ref,
        notes=notes,
        government_issued=gov,
    )


def application(title: str) -> MaterialContent:
    return _m(f"《{title}》", notes="网上办理时在线填写，无需另交纸质表格")


ID_CARD = _m(
    "居民身份证",
    source=Src.LICENCE,
    ref="resident_id_card",
    notes="窗口办理出示原件；网上办理经实名认证后免提交",
    gov=True,
)
HOUSEHOLD = _m("居民户口簿", source=Src.REGISTRY, ref="person.household", notes="由人口库核验，免提交", gov=True)
BUSINESS_LICENCE = _m(
    "营业执照", source=Src.LICENCE, ref="business_licence", notes="由电子证照库调取，免提交", gov=True
)
REPRESENTATIVE_ID = _m(
    "法定代表人（负责人）身份证明",
    source=Src.LICENCE,
    ref="resident_id_card",
    notes="由电子证照库调取，免提交",
    gov=True,
)
# Not marked government-issued: what it asks for is the power of attorney, which the applicant draws
# up; an agent applying online is identified by their own real-name sign-in.
AGENT = _m("授权委托书及受托人居民身份证", when="委托他人代为办理的")
BANK_ACCOUNT = _m("本人银行账户信息", form=Form.COPY, notes="用于发放资金，也可在申请表中填写")


def _s(title: str, max_length: int = 100) -> dict[str, Any]:
    return {"type": "string", "title": title, "maxLength": max_length}


def _date(title: str) -> dict[str, Any]:
    return {"type": "string", "format": "date", "title": title}


def _choice(title: str, values: list[str]) -> dict[str, Any]:
    return {"type": "string", "title": title, "enum": values}


def _number(title: str) -> dict[str, Any]:
    return {"type": "number", "title": title}


def _integer(title: str) -> dict[str, Any]:
    return {"type": "integer", "title": title}


def _yes_no(title: str) -> dict[str, Any]:
    return {"type": "boolean", "title": title}


def person_form(title: str, fields: dict[str, Any] | None = None, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """An applicant's form: who they are (prefilled from the population registry) and the item's own fields."""
    props = {
        "applicant_name": _s("申请人姓名", 50),
        "id_number": _s("公民身份号码", 18),
        "phone": _s("联系电话", 20),
        "address": _s("联系地址", 200),
        **(fields or {}),
    }
    return {
        "type": "object",
        "title": title,
        "properties": props,
        "required": ["applicant_name", "id_number", "phone", *required],
    }


def org_form(title: str, fields: dict[str, Any] | None = None, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """An enterprise's form: who it is (prefilled from the legal-person registry) and the item's own fields."""
    props = {
        "org_name": _s("单位名称", 100),
        "credit_code": _s("统一社会信用代码", 18),
        "legal_representative": _s("法定代表人（负责人）", 50),
        "contact_name": _s("联系人", 50),
        "contact_phone": _s("联系电话", 20),
        **(fields or {}),
    }
    return {
        "type": "object",
        "title": title,
        "properties": props,
        "required": ["org_name", "credit_code", "legal_representative", "contact_phone", *required],
    }


# Invented main-item numbers: a block of 100 per department, so no two demo items share a basic code.
DEPARTMENT_BLOCKS = {
    "scjg": 1,
    "rsj": 2,
    "mzj": 3,
    "zjj": 4,
    "cgj": 5,
    "yjj": 6,
    "wjj": 7,
    "jyj": 8,
    "nyj": 9,
    "sthj": 10,
    "ybj": 11,
    "fgj": 12,
    "tyjrj": 13,
    "sfj": 14,
    "gaj": 15,
}


def demo_items(regions: dict[str, str]) -> list[ItemContent]:
    """Every demo item; ``regions`` maps department codes to their region codes (for item codes)."""
    items: list[ItemContent] = []

    def add(department: str, kind: str, main: int, name: str, *, handling: int = 0, **fields: Any) -> None:
        basic = basic_code(kind, DEPARTMENT_BLOCKS[department] * 100 + main)
        fields.setdefault("service_location", HALL)
        items.append(
            ItemContent(
                code=implementation_code(regions.get(department, "440704"), basic, handling),
                basic_code=basic,
                name=name,
                department=department,
                kind=kind,
                service_hours=HOURS,
                enquiry_phone=PHONE,
                is_demo=True,
                **fields,
            )
        )

    # --- 区市场监督管理局 -------------------------------------------------------------------
    gt_basis = (
        "《促进个体工商户发展条例》；《中华人民共和国市场主体登记管理条例》第三条、第十九条；"
        "《中华人民共和国市场主体登记管理条例实施细则》"
    )
    add(
        "scjg",
        K.LICENSING,
        1,
        "个体工商户设立登记",
        name_en="Registration of an individual business",
        handling=1,
        subject=S.PERSON,
        life_events=("start_business",),
        keywords="营业执照 个体户 开店 开铺 工商注册 办执照",
        legal_basis=gt_basis,
        conditions="有经营能力的自然人；有符合规定的名称、经营场所和经营范围；经营范围不属于法律、行政法规禁止的行业。",
        statutory_days=3,
        promised_days=0,
        **FULL_ONLINE,
        high_frequency=True,
        cross_province=True,
        instant_approval=True,
        process_key="instant_case",
        credit_check=True,
        decision_key="geti_sheli",
        result_name="营业执照",
        output_licence_type="business_licence",
        materials=(
            application("个体工商户登记（备案）申请书"),
            _m(
                "经营者身份证明", source=Src.LICENCE, ref="resident_id_card", notes="由电子证照库调取，免提交", gov=True
            ),
            _m("经营场所使用证明", form=Form.COPY, notes="自有房产由不动产登记信息核验，免提交"),
            AGENT,
        ),
        form_schema=person_form(
            "个体工商户设立登记",
            {
                "trade_name": _s("个体工商户名称", 60),
                "premises": _s("经营场所", 200),
                "scope_category": _choice(
                    "经营范围类别（经营范围规范表述目录）",
                    [
                        "日用百货零售",
                        "服装鞋帽零售",
                        "五金产品零售",
                        "美容美发服务",
                        "家用电器修理",
                        "餐饮服务",
                        "烟草制品零售",
                        "其他",
                    ],
                ),
                "business_scope": _s("经营范围", 500),
                "organisation": _choice("组成形式", ["个人经营", "家庭经营"]),
                "capital": _number("资金数额（万元）"),
            },
            ("premises", "scope_category", "business_scope", "organisation"),
        ),
    )
    add(
        "scjg",
        K.LICENSING,
        1,
        "个体工商户变更登记",
        handling=2,
        subject=S.PERSON,
        life_events=("start_business",),
        keywords="营业执照 变更 个体户 改名 换地址",
        legal_basis=gt_basis,
        conditions="已登记的个体工商户，登记事项（名称、经营者、经营场所、经营范围等）发生变化。",
        statutory_days=3,
        promised_days=0,
        **FULL_ONLINE,
        high_frequency=True,
        result_name="营业执照",
        output_licence_type="business_licence",
        materials=(
            application("个体工商户登记（备案）申请书"),
            BUSINESS_LICENCE,
            _m("变更后的经营场所使用证明", form=Form.COPY, when="变更经营场所的"),
            AGENT,
        ),
        form_schema=person_form(
            "个体工商户变更登记",
            {
                "credit_code": _s("统一社会信用代码", 18),
                "change_items": _s("变更事项", 200),
                "change_after": _s("变更后内容", 500),
            },
            ("credit_code", "change_items", "change_after"),
        ),
    )
    add(
        "scjg",
        K.LICENSING,
        1,
        "个体工商户注销登记",
        handling=3,
        subject=S.PERSON,
        life_events=("close_business",),
        keywords="营业执照 注销 个体户 关店 停业",
        legal_basis=gt_basis,
        conditions="个体工商户不再从事经营活动，且无未结清的债权债务（简易注销须作出承诺）。",
        statutory_days=3,
        promised_days=0,
        **FULL_ONLINE,
        materials=(application("个体工商户注销登记申请书"), BUSINESS_LICENCE, AGENT),
        form_schema=person_form(
            "个体工商户注销登记",
            {"credit_code": _s("统一社会信用代码", 18), "reason": _s("注销原因", 200)},
            ("credit_code",),
        ),
    )
    food_basis = (
        "《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》（国家市场监督管理总局令第78号）"
    )
    food_form = org_form(
        "食品经营许可申请",
        {
            "premises": _s("经营场所", 200),
            "business_form": _choice("主体业态", ["食品销售经营者", "餐饮服务经营者", "单位食堂"]),
            "business_items": _s("经营项目", 500),
            "safety_manager": _s("食品安全管理人员", 50),
            "online_sales": _yes_no("是否网络经营"),
        },
        ("premises", "business_form", "business_items", "safety_manager"),
    )
    add(
        "scjg",
        K.LICENSING,
        2,
        "食品经营许可",
        name_en="Food business licence",
        handling=1,
        subject=S.BOTH,
        life_events=("start_business", "operating_licence"),
        keywords="食品经营许可证 餐饮 饭店 餐馆 小卖部 超市 便利店 食堂",
        legal_basis=food_basis,
        conditions=(
            "具有与经营的食品品种、数量相适应的经营场所，并与有毒、有害场所以及其他污染源保持规定的距离；"
            "具有相应的设备设施、食品安全管理人员和保证食品安全的规章制度；具有合理的设备布局和工艺流程。"
        ),
        statutory_days=10,
        promised_days=3,
        **FULL_ONLINE,
        high_frequency=True,
        result_name="食品经营许可证",
        output_licence_type="food_business_licence",
        materials=(
            application("食品经营许可申请书"),
            BUSINESS_LICENCE,
            _m("与食品经营相适应的主要设备设施、经营布局、操作流程等文件"),
            _m("食品安全自查、从业人员健康管理、进货查验记录、食品安全事故处置等保证食品安全的规章制度目录"),
            REPRESENTATIVE_ID,
            AGENT,
        ),
        form_schema=food_form,
    )
    add(
        "scjg",
        K.LICENSING,
        2,
        "食品经营许可变更",
        handling=2,
        subject=S.BOTH,
        life_events=("operating_licence",),
        keywords="食品经营许可证 变更 餐饮 经营项目",
        legal_basis=food_basis,
        conditions="已取得食品经营许可证，许可证载明的事项发生变化。",
        statutory_days=10,
        promised_days=3,
        **FULL_ONLINE,
        result_name="食品经营许可证",
        output_licence_type="food_business_licence",
        materials=(
            application("食品经营许可变更申请书"),
            _m(
                "食品经营许可证",
                source=Src.LICENCE,
                ref="food_business_licence",
                notes="由电子证照库调取，免提交",
                gov=True,
            ),
            _m("与变更事项有关的材料", when="变更经营场所布局、经营项目等的"),
        ),
        form_schema=org_form(
            "食品经营许可变更",
            {"licence_number": _s("许可证编号", 30), "change_items": _s("变更事项", 500)},
            ("licence_number", "change_items"),
        ),
    )
    add(
        "scjg",
        K.OTHER_POWER,
        1,
        "食品小作坊登记",
        subject=S.BOTH,
        life_events=("start_business", "operating_licence"),
        keywords="小作坊 登记证 食品加工",
        legal_basis="《广东省食品生产加工小作坊和食品摊贩管理条例》",
        conditions="在本区固定场所从事食品生产加工，规模较小、工艺简单的小作坊。",
        statutory_days=10,
        promised_days=5,
        **ONE_VISIT,
        result_name="食品小作坊登记证",
        output_licence_type="food_workshop_registration",
        materials=(
            application("食品小作坊登记申请表"),
            BUSINESS_LICENCE,
            _m("生产加工场所平面图和工艺流程"),
            _m("从业人员健康证明", form=Form.COPY),
        ),
        form_schema=org_form(
            "食品小作坊登记",
            {"premises": _s("生产加工场所", 200), "products": _s("生产加工食品品种", 200)},
            ("premises", "products"),
        ),
    )
    add(
        "scjg",
        K.LICENSING,
        3,
        "特种设备使用登记",
        subject=S.ENTERPRISE,
        life_events=("work_safety",),
        keywords="电梯 锅炉 压力容器 叉车 使用登记证",
        legal_basis="《中华人民共和国特种设备安全法》第三十三条；《特种设备使用管理规则》（TSG 08）",
        conditions="特种设备在投入使用前或者投入使用后三十日内，使用单位向登记机关办理使用登记。",
        statutory_days=15,
        promised_days=5,
        **ONE_VISIT,
        result_name="特种设备使用登记证",
        output_licence_type="special_equipment_registration",
        materials=(
            application("特种设备使用登记表"),
            BUSINESS_LICENCE,
            _m("特种设备产品合格证"),
            _m("特种设备监督检验证明", when="按规定需要监督检验的"),
        ),
        form_schema=org_form(
            "特种设备使用登记",
            {
                "equipment_type": _choice(
                    "设备类别", ["电梯", "锅炉", "压力容器", "起重机械", "场（厂）内专用机动车辆"]
                ),
                "product_number": _s("产品编号", 50),
                "install_address": _s("设备使用地点", 200),
            },
            ("equipment_type", "product_number", "install_address"),
        ),
    )

    # --- 区人力资源和社会保障局 --------------------------------------------------------------
    add(
        "rsj",
        K.PUBLIC_SERVICE,
        1,
        "社会保障卡申领",
        name_en="Social security card application",
        subject=S.PERSON,
        life_events=("social_insurance", "employment", "birth"),
        keywords="社保卡 社会保障卡 办卡 补卡 电子社保卡",
        legal_basis="《中华人民共和国社会保险法》第五十八条",
        conditions="参加本地社会保险或在本地有户籍的人员，未持有有效的社会保障卡。",
        statutory_days=20,
        promised_days=10,
        channels=(C.ONLINE, C.WINDOW, C.KIOSK, C.MOBILE, C.PARTNER),
        online_depth=4,
        max_visits=0,
        comprehensive_window=True,
        single_sign_on=True,
        high_frequency=True,
        cross_province=True,
        result_name="社会保障卡",
        output_licence_type="social_security_card",
        materials=(
            ID_CARD,
            _m("近期免冠彩色证件照片", notes="可使用身份证制证照片，或在自助终端、合作银行网点现场拍摄"),
            _m("监护人居民身份证", when="未满十六周岁的，由监护人代为申领", gov=True),
        ),
        form_schema=person_form(
            "社会保障卡申领",
            {
                "bank": _choice(
                    "选择合作银行", ["中国工商银行", "中国农业银行", "中国银行", "中国建设银行", "广东农信"]
                ),
                "delivery": _choice("领卡方式", ["邮寄到家", "银行网点领取"]),
            },
            ("bank", "delivery"),
        ),
    )
    pension_basis = (
        "《中华人民共和国社会保险法》第二十条、第二十二条；"
        "《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）"
    )
    add(
        "rsj",
        K.PUBLIC_SERVICE,
        2,
        "城乡居民养老保险参保登记",
        name_en="Enrolment in the urban and rural residents' pension insurance",
        subject=S.PERSON,
        life_events=("elderly", "social_insurance"),
        keywords="城乡居民养老保险 居民养老 参保 社保 农村养老保险",
        legal_basis=pension_basis,
        conditions=(
            "年满16周岁（不含在校学生），非国家机关和事业单位工作人员及不属于职工基本养老保险制度覆盖范围的"
            "城乡居民，可以在户籍地参加城乡居民养老保险。"
        ),
        statutory_days=20,
        promised_days=1,
        **FULL_ONLINE,
        high_frequency=True,
        materials=(ID_CARD, HOUSEHOLD, AGENT),
        form_schema=person_form(
            "城乡居民养老保险参保登记",
            {
                "contribution_grade": _choice(
                    "缴费档次（元/年）", ["180", "240", "360", "600", "900", "1200", "1800", "2400", "3600", "4800"]
                ),
                "payment": _choice("缴费方式", ["银行代扣", "线上缴费"]),
            },
            ("contribution_grade", "payment"),
        ),
    )
    add(
        "rsj",
        K.PAYMENT,
        1,
        "城乡居民基本养老保险待遇申领",
        subject=S.PERSON,
        life_events=("elderly", "social_insurance"),
        keywords="养老金 领取 退休 居民养老",
        legal_basis=pension_basis,
        conditions="参加城乡居民养老保险的个人，年满60周岁、累计缴费满15年，且未领取国家规定的基本养老保障待遇。",
        statutory_days=20,
        promised_days=10,
        **FULL_ONLINE,
        high_frequency=True,
        materials=(ID_CARD, BANK_ACCOUNT, AGENT),
        form_schema=person_form(
            "城乡居民基本养老保险待遇申领", {"bank_account": _s("银行账号", 30)}, ("bank_account",)
        ),
    )
    add(
        "rsj",
        K.PAYMENT,
        2,
        "失业保险金申领",
        name_en="Unemployment benefit claim",
        subject=S.PERSON,
        life_events=("employment", "social_insurance"),
        keywords="失业金 失业保险 失业 下岗",
        legal_basis="《中华人民共和国社会保险法》第四十五条、第五十条；《失业保险条例》第十四条",
        conditions=(
            "失业前用人单位和本人已经缴纳失业保险费满一年的；非因本人意愿中断就业的；已经进行失业登记，并有求职要求的。"
        ),
        statutory_days=10,
        promised_days=5,
        **FULL_ONLINE,
        high_frequency=True,
        cross_province=True,
        materials=(
            ID_CARD,
            _m("解除或者终止劳动关系的证明", form=Form.COPY, notes="单位已网上报送的免提交"),
            BANK_ACCOUNT,
        ),
        form_schema=person_form(
            "失业保险金申领",
            {
                "last_employer": _s("原工作单位", 100),
                "separation_date": _date("解除劳动关系日期"),
                "bank_account": _s("银行账号", 30),
            },
            ("last_employer", "separation_date", "bank_account"),
        ),
    )
    add(
        "rsj",
        K.PUBLIC_SERVICE,
        3,
        "就业创业证申领",
        subject=S.PERSON,
        life_events=("employment",),
        keywords="就业失业登记证 就业创业证 创业 找工作",
        legal_basis="《就业服务与就业管理规定》（劳动和社会保障部令第28号）",
        conditions="法定劳动年龄内、有劳动能力和就业要求的城乡劳动者。",
        statutory_days=5,
        promised_days=0,
        **FULL_ONLINE,
        instant_approval=True,
        process_key="instant_case",
        credit_check=True,
        decision_key="jiuye_zheng",
        result_name="就业创业证",
        output_licence_type="employment_certificate",
        materials=(ID_CARD,),
        form_schema=person_form(
            "就业创业证申领",
            {"employment_status": _choice("就业状态", ["就业", "失业", "灵活就业", "自主创业"])},
            ("employment_status",),
        ),
    )
    add(
        "rsj",
        K.LICENSING,
        1,
        "人力资源服务许可",
        subject=S.ENTERPRISE,
        life_events=("start_business", "hiring"),
        keywords="职业中介 人力资源服务许可证 招聘 劳务",
        legal_basis="《中华人民共和国就业促进法》第四十条；《人力资源市场暂行条例》第十八条",
        conditions="有明确的章程和管理制度；有开展业务必备的固定场所、办公设施和开办资金；有3名以上具备相应职业资格的专职工作人员。",
        statutory_days=20,
        promised_days=10,
        **FULL_ONLINE,
        result_name="人力资源服务许可证",
        output_licence_type="hr_service_licence",
        materials=(
            application("人力资源服务许可申请表"),
            BUSINESS_LICENCE,
            _m("专职工作人员的职业资格证明", form=Form.COPY, copies=1, gov=True),
            _m("机构章程和管理制度"),
        ),
        form_schema=org_form(
            "人力资源服务许可",
            {"services": _s("服务范围", 300), "staff_count": _integer("专职工作人员数")},
            ("services", "staff_count"),
        ),
    )
    add(
        "rsj",
        K.PAYMENT,
        3,
        "职业技能提升补贴申领",
        subject=S.PERSON,
        life_events=("employment",),
        keywords="技能补贴 职业资格证书 培训补贴",
        legal_basis=(
            "《人力资源社会保障部 财政部关于失业保险支持参保职工提升职业技能有关问题的通知》（人社部发〔2017〕40号）"
        ),
        conditions="依法参加失业保险、累计缴纳失业保险费满规定年限，并在规定期限内取得职业资格证书或职业技能等级证书的企业职工。",
        statutory_days=20,
        promised_days=10,
        **FULL_ONLINE,
        materials=(
            ID_CARD,
            _m(
                "职业资格证书或职业技能等级证书",
                source=Src.LICENCE,
                ref="vocational_skill_certificate",
                notes="由电子证照库调取",
                gov=True,
            ),
            BANK_ACCOUNT,
        ),
        form_schema=person_form(
            "职业技能提升补贴申领",
            {
                "certificate_number": _s("证书编号", 40),
                "issue_date": _date("发证日期"),
                "bank_account": _s("银行账号", 30),
            },
            ("certificate_number", "issue_date", "bank_account"),
        ),
    )

    # --- 区民政局 -----------------------------------------------------------------------------
    assistance_basis = "《社会救助暂行办法》（国务院令第649号）；《广东省社会救助条例》"
    add(
        "mzj",
        K.PAYMENT,
        1,
        "临时救助",
        name_en="Temporary assistance",
        subject=S.PERSON,
        life_events=("assistance",),
        keywords="困难救助 急难 救济 生活困难",
        legal_basis=assistance_basis + "第四十七条至第五十条",
        conditions=(
            "因火灾、交通事故等意外事件，家庭成员突发重大疾病等原因，导致基本生活暂时出现严重困难的家庭，"
            "或者因生活必需支出突然增加超出家庭承受能力，导致基本生活暂时出现严重困难的最低生活保障家庭。"
        ),
        statutory_days=20,
        promised_days=10,
        **ONE_VISIT,
        high_frequency=True,
        materials=(
            application("临时救助申请审批表"),
            ID_CARD,
            HOUSEHOLD,
            _m("家庭遭遇困难的相关证明", form=Form.COPY, notes="如医疗费用票据、事故证明等"),
            _m("家庭经济状况核对授权书", notes="可在线签署"),
        ),
        form_schema=person_form(
            "临时救助申请",
            {
                "household_size": _integer("家庭人口数"),
                "difficulty": _s("困难情况说明", 1000),
                "urgent": _yes_no("是否情况紧急"),
                "bank_account": _s("银行账号", 30),
            },
            ("household_size", "difficulty", "bank_account"),
        ),
    )
    add(
        "mzj",
        K.PAYMENT,
        2,
        "最低生活保障审核确认",
        subject=S.PERSON,
        life_events=("assistance",),
        keywords="低保 最低生活保障 低保金",
        legal_basis=assistance_basis + "第九条至第十三条",
        conditions="共同生活的家庭成员人均收入低于本地最低生活保障标准，且符合本地家庭财产状况规定的家庭。",
        statutory_days=30,
        promised_days=20,
        **ONE_VISIT,
        high_frequency=True,
        materials=(
            application("最低生活保障申请书"),
            ID_CARD,
            HOUSEHOLD,
            _m("家庭经济状况核对授权书", notes="共同生活的家庭成员均须签署，可在线签署"),
            _m("残疾人证", source=Src.LICENCE, ref="disability_certificate", when="家庭成员中有残疾人的", gov=True),
        ),
        form_schema=person_form(
            "最低生活保障申请",
            {"household_size": _integer("共同生活家庭成员人数"), "monthly_income": _number("家庭月总收入（元）")},
            ("household_size", "monthly_income"),
        ),
    )
    add(
        "mzj",
        K.PAYMENT,
        3,
        "特困人员认定",
        subject=S.PERSON,
        life_events=("assistance", "elderly", "disability"),
        keywords="特困供养 五保 无依无靠",
        legal_basis=assistance_basis + "第十四条至第十九条",
        conditions="无劳动能力、无生活来源、无法定赡养抚养扶养义务人或者其法定义务人无履行义务能力的老年人、残疾人以及未满16周岁的未成年人。",
        statutory_days=30,
        promised_days=20,
        **ONE_VISIT,
        materials=(application("特困人员救助供养申请书"), ID_CARD, HOUSEHOLD, _m("家庭经济状况核对授权书")),
        form_schema=person_form("特困人员认定申请", {"situation": _s("本人情况说明", 1000)}, ("situation",)),
    )
    add(
        "mzj",
        K.PAYMENT,
        4,
        "残疾人两项补贴",
        name_en="Living and nursing allowances for persons with disabilities",
        subject=S.PERSON,
        life_events=("disability", "assistance"),
        keywords="困难残疾人生活补贴 重度残疾人护理补贴 残疾补贴 两项补贴",
        legal_basis="《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）",
        conditions=(
            "困难残疾人生活补贴：低保家庭中的残疾人；重度残疾人护理补贴：残疾等级被评定为一级、二级且需要长期照护的重度残疾人。"
            "申请人须持有第二代中华人民共和国残疾人证。"
        ),
        statutory_days=20,
        promised_days=15,
        **FULL_ONLINE,
        high_frequency=True,
        cross_province=True,
        materials=(
            application("残疾人两项补贴申请审批表"),
            ID_CARD,
            _m(
                "中华人民共和国残疾人证",
                source=Src.LICENCE,
                ref="disability_certificate",
                notes="由电子证照库调取，免提交",
                gov=True,
            ),
            _m("监护人或代理人身份证明", when="由监护人或代理人代为申请的", gov=True),
            BANK_ACCOUNT,
        ),
        form_schema=person_form(
            "残疾人两项补贴申请",
            {
                "allowance": _choice("申请补贴类别", ["困难残疾人生活补贴", "重度残疾人护理补贴", "两项均申请"]),
                "certificate_number": _s("残疾人证号", 20),
                "bank_account": _s("银行账号", 30),
            },
            ("allowance", "certificate_number", "bank_account"),
        ),
    )
    add(
        "mzj",
        K.PAYMENT,
        5,
        "高龄津贴申领",
        name_en="Old-age allowance for people aged 80 and over",
        subject=S.PERSON,
        life_events=("elderly",),
        keywords="高龄津贴 长寿金 老人补贴 八十岁 敬老",
        legal_basis="《中华人民共和国老年人权益保障法》第三十三条",
        conditions="具有本区户籍、年满80周岁的老年人。",
        statutory_days=20,
        promised_days=10,
        **FULL_ONLINE,
        high_frequency=True,
        instant_approval=True,
        process_key="instant_case",
        credit_check=True,
        decision_key="gaoling_jintie",
        materials=(ID_CARD, HOUSEHOLD, BANK_ACCOUNT, AGENT),
        form_schema=person_form(
            "高龄津贴申领",
            {"birth_date": _date("出生日期"), "bank_account": _s("银行账号", 30)},
            ("birth_date", "bank_account"),
        ),
    )
    add(
        "mzj",
        K.CONFIRMATION,
        1,
        "内地居民结婚登记",
        name_en="Marriage registration",
        subject=S.PERSON,
        life_events=("marriage",),
        keywords="结婚证 领证 婚姻登记 结婚",
        legal_basis="《中华人民共和国民法典》第一千零四十九条；《婚姻登记条例》第四条至第七条",
        conditions="男女双方完全自愿，男年满22周岁、女年满20周岁，双方均无配偶，且不属于直系血亲或者三代以内的旁系血亲。",
        statutory_days=0,
        promised_days=0,
        channels=(C.ONLINE, C.WINDOW, C.MOBILE),
        online_depth=3,
        max_visits=1,
        single_sign_on=True,
        high_frequency=True,
        cross_province=True,
        service_location="江海区婚姻登记处（示范地址）",
        result_name="结婚证",
        output_licence_type="marriage_certificate",
        materials=(
            _m("男女双方居民身份证", source=Src.LICENCE, ref="resident_id_card", notes="双方须本人到场", gov=True),
            _m(
                "男女双方居民户口簿",
                source=Src.REGISTRY,
                ref="person.household",
                notes="试点地区可凭身份证办理",
                gov=True,
            ),
            _m("本人近期半身免冠合影照片", copies=3, notes="2寸双人合影"),
        ),
        form_schema=person_form(
            "结婚登记预约",
            {
                "partner_name": _s("另一方姓名", 50),
                "partner_id_number": _s("另一方公民身份号码", 18),
                "appointment_date": _date("预约登记日期"),
            },
            ("partner_name", "partner_id_number", "appointment_date"),
        ),
    )
    add(
        "mzj",
        K.PAYMENT,
        6,
        "基本殡葬服务费用减免",
        subject=S.PERSON,
        life_events=("after_death",),
        keywords="殡葬补贴 火化 丧葬 惠民殡葬",
        legal_basis="《殡葬管理条例》；《民政部等关于推行惠民殡葬政策的指导意见》（民发〔2012〕211号）",
        conditions="本区户籍居民去世后在本市殡仪馆火化的，由丧事承办人申请减免遗体接运、暂存、火化、骨灰寄存等基本殡葬服务费用。",
        statutory_days=10,
        promised_days=5,
        **ONE_VISIT,
        materials=(
            _m("逝者居民身份证或户口簿", source=Src.REGISTRY, ref="person.household", gov=True),
            _m("居民死亡医学证明（推断）书", form=Form.COPY, gov=True),
            _m("丧事承办人居民身份证", gov=True),
        ),
        form_schema=person_form(
            "基本殡葬服务费用减免",
            {"deceased_name": _s("逝者姓名", 50), "death_date": _date("死亡日期"), "relation": _s("与逝者关系", 20)},
            ("deceased_name", "death_date", "relation"),
        ),
    )

    # --- 区住房和城乡建设局 ------------------------------------------------------------------
    add(
        "zjj",
        K.LICENSING,
        1,
        "建筑工程施工许可",
        name_en="Construction works permit",
        subject=S.ENTERPRISE,
        life_events=("construction", "investment"),
        keywords="施工许可证 开工 建筑工程 报建",
        legal_basis="《中华人民共和国建筑法》第七条、第八条；《建筑工程施工许可管理办法》（住房和城乡建设部令第18号）",
        conditions=(
            "已办理用地批准手续；依法应当办理建设工程规划许可证的，已取得规划许可证；已确定施工企业；"
            "有满足施工需要的技术资料，施工图设计文件已按规定审查合格；有保证工程质量和安全的具体措施；建设资金已经落实。"
        ),
        statutory_days=7,
        promised_days=3,
        **FULL_ONLINE,
        high_frequency=True,
        result_name="建筑工程施工许可证",
        output_licence_type="construction_permit",
        materials=(
            application("建筑工程施工许可申请表"),
            _m(
                "建设工程规划许可证",
                source=Src.LICENCE,
                ref="construction_planning_permit",
                notes="由电子证照库调取",
                gov=True,
            ),
            _m("施工合同或中标通知书", form=Form.COPY),
            _m("建设资金已经落实承诺书"),
            _m(
                "施工图设计文件审查合格书",
                source=Src.REGISTRY,
                ref="project.drawing_review",
                notes="由审图系统共享，免提交",
            ),
        ),
        form_schema=org_form(
            "建筑工程施工许可申请",
            {
                "project_name": _s("工程名称", 200),
                "project_address": _s("建设地址", 200),
                "contract_price": _number("合同价格（万元）"),
                "floor_area": _number("建筑面积（平方米）"),
                "contractor": _s("施工单位", 100),
            },
            ("project_name", "project_address", "contractor"),
        ),
    )
    add(
        "zjj",
        K.OTHER_POWER,
        1,
        "房屋建筑和市政基础设施工程竣工验收备案",
        subject=S.ENTERPRISE,
        life_events=("construction",),
        keywords="竣工验收 备案 竣工",
        legal_basis="《建设工程质量管理条例》第四十九条；《房屋建筑和市政基础设施工程竣工验收备案管理办法》",
        conditions="工程竣工验收合格之日起15日内，由建设单位向备案机关办理备案。",
        statutory_days=5,
        promised_days=1,
        **FULL_ONLINE,
        materials=(
            application("工程竣工验收备案表"),
            _m("工程竣工验收报告"),
            _m("施工单位签署的工程质量保修书"),
        ),
        form_schema=org_form(
            "竣工验收备案",
            {"project_name": _s("工程名称", 200), "acceptance_date": _date("竣工验收日期")},
            ("project_name", "acceptance_date"),
        ),
    )
    fire_basis = (
        "《中华人民共和国消防法》第十一条至第十三条；"
        "《建设工程消防设计审查验收管理暂行规定》（住房和城乡建设部令第51号）"
    )
    add(
        "zjj",
        K.LICENSING,
        2,
        "特殊建设工程消防设计审查",
        subject=S.ENTERPRISE,
        life_events=("construction",),
        keywords="消防审查 消防设计 报建",
        legal_basis=fire_basis,
        conditions="属于特殊建设工程的，建设单位在施工前将消防设计文件报送审查。",
        statutory_days=15,
        promised_days=10,
        **FULL_ONLINE,
        result_name="特殊建设工程消防设计审查意见书",
        materials=(
            application("消防设计审查申请表"),
            _m("消防设计文件"),
            _m("依法需要办理建设工程规划许可的，建设工程规划许可文件", gov=True),
        ),
        form_schema=org_form("特殊建设工程消防设计审查", {"project_name": _s("工程名称", 200)}, ("project_name",)),
    )
    add(
        "zjj",
        K.LICENSING,
        3,
        "特殊建设工程消防验收",
        subject=S.ENTERPRISE,
        life_events=("construction",),
        keywords="消防验收 竣工",
        legal_basis=fire_basis,
        conditions="特殊建设工程竣工验收时，建设单位申请消防验收。",
        statutory_days=15,
        promised_days=10,
        **ONE_VISIT,
        result_name="特殊建设工程消防验收意见书",
        materials=(application("消防验收申请表"), _m("工程竣工验收报告"), _m("涉及消防的建设工程竣工图纸")),
        form_schema=org_form("特殊建设工程消防验收", {"project_name": _s("工程名称", 200)}, ("project_name",)),
    )

    # --- 区城市管理和综合执法局 --------------------------------------------------------------
    add(
        "cgj",
        K.LICENSING,
        1,
        "城镇污水排入排水管网许可",
        name_en="Permit to discharge wastewater into the public sewer",
        subject=S.BOTH,
        life_events=("operating_licence", "environment"),
        keywords="排水许可证 排污 下水道 接驳",
        legal_basis="《城镇排水与污水处理条例》（国务院令第641号）第二十一条；《城镇污水排入排水管网许可管理办法》（住房和城乡建设部令第21号）",
        conditions=(
            "从事工业、建筑、餐饮、医疗等活动的企业事业单位、个体工商户向城镇排水设施排放污水的，"
            "排水设施已按规划接入，排放的污水符合国家和地方规定的排放标准。"
        ),
        statutory_days=15,
        promised_days=5,
        **FULL_ONLINE,
        result_name="城镇污水排入排水管网许可证",
        output_licence_type="drainage_permit",
        materials=(
            application("城镇污水排入排水管网许可申请表"),
            BUSINESS_LICENCE,
            _m("排水户内部排水管网、专用检测井、污水排放口位置和口径的图纸及说明"),
            _m("排水水质、水量检测报告", when="排放工业废水或餐饮、医疗污水的"),
        ),
        form_schema=org_form(
            "排水许可申请",
            {
                "discharge_address": _s("排水地址", 200),
                "sector": _choice("排水户类别", ["工业", "建筑施工", "餐饮", "医疗", "洗车", "其他"]),
                "daily_volume": _number("日排水量（立方米）"),
            },
            ("discharge_address", "sector", "daily_volume"),
        ),
    )
    add(
        "cgj",
        K.LICENSING,
        2,
        "设置大型户外广告审批",
        subject=S.BOTH,
        life_events=("operating_licence",),
        keywords="广告牌 招牌 户外广告 霓虹灯",
        legal_basis="《城市市容和环境卫生管理条例》第十一条",
        conditions="广告设置符合本区户外广告设置规划，设施结构安全，不影响市容和交通。",
        statutory_days=20,
        promised_days=7,
        **FULL_ONLINE,
        materials=(
            application("户外广告设置申请表"),
            BUSINESS_LICENCE,
            _m("广告设置位置现状照片及效果图"),
            _m("设施结构安全证明", when="大型广告设施"),
        ),
        form_schema=org_form(
            "户外广告设置",
            {
                "location": _s("设置地点", 200),
                "size": _s("规格（长×宽，米）", 50),
                "period": _integer("设置期限（月）"),
            },
            ("location", "size", "period"),
        ),
    )
    add(
        "cgj",
        K.LICENSING,
        3,
        "临时占用城市道路审批",
        subject=S.BOTH,
        life_events=("construction",),
        keywords="占道 占用道路 施工围挡 临时摆卖",
        legal_basis="《城市道路管理条例》第三十一条",
        conditions="因特殊情况需要临时占用城市道路的，应当按批准的地点、面积和期限占用。",
        statutory_days=20,
        promised_days=5,
        **ONE_VISIT,
        materials=(application("临时占用城市道路申请表"), _m("占道位置示意图"), ID_CARD),
        form_schema=person_form(
            "临时占用城市道路",
            {
                "road": _s("占用道路及位置", 200),
                "area": _number("占用面积（平方米）"),
                "start": _date("开始日期"),
                "end": _date("结束日期"),
            },
            ("road", "area", "start", "end"),
        ),
    )
    add(
        "cgj",
        K.LICENSING,
        4,
        "城市建筑垃圾处置核准",
        subject=S.ENTERPRISE,
        life_events=("construction", "environment"),
        keywords="余泥渣土 建筑垃圾 排放 运输",
        legal_basis="《城市建筑垃圾管理规定》（建设部令第139号）第七条",
        conditions="有建筑垃圾分类处置方案和建筑垃圾回收利用方案；有与运输单位签订的运输合同；运输车辆符合规定。",
        statutory_days=20,
        promised_days=5,
        **FULL_ONLINE,
        materials=(
            application("建筑垃圾处置核准申请表"),
            _m("建筑垃圾处置方案"),
            _m("与运输单位签订的运输合同", form=Form.COPY),
        ),
        form_schema=org_form(
            "建筑垃圾处置核准",
            {"project_name": _s("工程名称", 200), "volume": _number("预计排放量（立方米）")},
            ("project_name", "volume"),
        ),
    )

    # --- 区应急管理局 -------------------------------------------------------------------------
    add(
        "yjj",
        K.LICENSING,
        1,
        "烟花爆竹经营（零售）许可",
        subject=S.BOTH,
        life_events=("operating_licence", "work_safety"),
        keywords="烟花 爆竹 鞭炮 零售 春节",
        legal_basis="《烟花爆竹安全管理条例》第十七条、第十九条；《烟花爆竹经营许可实施办法》（国家安全生产监督管理总局令第65号）",
        conditions="符合所在地烟花爆竹零售经营布点规划；主要负责人经过安全培训合格；零售场所和储存场所符合安全要求。",
        statutory_days=20,
        promised_days=10,
        **ONE_VISIT,
        result_name="烟花爆竹经营（零售）许可证",
        output_licence_type="fireworks_retail_licence",
        materials=(
            application("烟花爆竹经营（零售）许可证申请书"),
            BUSINESS_LICENCE,
            _m("主要负责人安全培训合格证明", form=Form.COPY, gov=True),
        ),
        form_schema=org_form("烟花爆竹零售许可", {"shop_address": _s("零售点地址", 200)}, ("shop_address",)),
    )
    add(
        "yjj",
        K.LICENSING,
        2,
        "危险化学品经营许可（不带储存设施）",
        subject=S.ENTERPRISE,
        life_events=("operating_licence", "work_safety"),
        keywords="危化品 危险化学品经营许可证 油漆 化工",
        legal_basis="《危险化学品安全管理条例》第三十三条、第三十五条；《危险化学品经营许可证管理办法》（国家安全生产监督管理总局令第55号）",
        conditions="有符合规定的经营场所；从业人员经过专业技术培训并考核合格；有健全的安全管理规章制度和事故应急预案。",
        statutory_days=30,
        promised_days=15,
        **ONE_VISIT,
        result_name="危险化学品经营许可证",
        output_licence_type="hazchem_business_licence",
        materials=(
            application("危险化学品经营许可证申请表"),
            BUSINESS_LICENCE,
            _m("安全生产规章制度和岗位操作规程目录"),
            _m("主要负责人、安全生产管理人员安全培训合格证明", form=Form.COPY, gov=True),
        ),
        form_schema=org_form("危险化学品经营许可", {"chemicals": _s("经营的危险化学品品种", 500)}, ("chemicals",)),
    )
    add(
        "yjj",
        K.OTHER_POWER,
        1,
        "生产安全事故应急预案备案",
        subject=S.ENTERPRISE,
        life_events=("work_safety",),
        keywords="应急预案 备案 安全生产",
        legal_basis="《中华人民共和国安全生产法》第八十一条；《生产安全事故应急预案管理办法》（应急管理部令第2号）",
        conditions="应急预案经评审或论证并由本单位主要负责人签署公布后二十个工作日内备案。",
        statutory_days=5,
        promised_days=1,
        **FULL_ONLINE,
        materials=(
            application("生产经营单位生产安全事故应急预案备案申请表"),
            _m("应急预案评审或者论证意见"),
            _m("应急预案电子文档"),
        ),
        form_schema=org_form("应急预案备案", {"plan_name": _s("预案名称", 200)}, ("plan_name",)),
    )

    # --- 区卫生健康局 -------------------------------------------------------------------------
    add(
        "wjj",
        K.LICENSING,
        1,
        "公共场所卫生许可",
        name_en="Public place hygiene licence",
        subject=S.BOTH,
        life_events=("start_business", "operating_licence"),
        keywords="卫生许可证 酒店 宾馆 美容美发 游泳馆 沐足",
        legal_basis="《公共场所卫生管理条例》第四条、第八条；《公共场所卫生管理条例实施细则》",
        conditions="经营场所卫生条件、设施和从业人员健康状况符合公共场所卫生标准和要求。",
        statutory_days=20,
        promised_days=5,
        **FULL_ONLINE,
        high_frequency=True,
        result_name="公共场所卫生许可证",
        output_licence_type="public_place_hygiene_licence",
        materials=(
            application("公共场所卫生许可申请表"),
            BUSINESS_LICENCE,
            _m("公共场所地址方位示意图、平面图和卫生设施平面布局图"),
            _m("公共场所卫生检测或者评价报告", when="集中空调通风系统等需要检测的"),
            _m("卫生管理制度"),
        ),
        form_schema=org_form(
            "公共场所卫生许可",
            {
                "premises": _s("经营场所", 200),
                "category": _choice("场所类别", ["住宿场所", "美容美发场所", "沐浴场所", "游泳场所", "其他"]),
                "area": _number("营业面积（平方米）"),
            },
            ("premises", "category"),
        ),
    )
    add(
        "wjj",
        K.OTHER_POWER,
        1,
        "诊所备案",
        subject=S.BOTH,
        life_events=("start_business",),
        keywords="诊所 开诊所 医疗机构 备案",
        legal_basis="《医疗机构管理条例》；《诊所备案管理暂行办法》（国卫医政发〔2022〕33号）",
        conditions="具有相应资质的医师举办诊所，诊所的场所、设施、人员符合诊所基本标准。",
        statutory_days=0,
        promised_days=0,
        **ONE_VISIT,
        result_name="诊所备案凭证",
        output_licence_type="clinic_filing",
        materials=(
            application("诊所备案信息表"),
            _m("诊所房屋平面布局图"),
            _m("诊所用房产权证明或者使用证明", form=Form.COPY, gov=True),
            _m("医师资格证书和执业证书", source=Src.LICENCE, ref="physician_licence", gov=True),
        ),
        form_schema=org_form(
            "诊所备案",
            {"clinic_name": _s("诊所名称", 100), "subjects": _s("诊疗科目", 200)},
            ("clinic_name", "subjects"),
        ),
    )
    add(
        "wjj",
        K.PUBLIC_SERVICE,
        1,
        "生育登记",
        name_en="Birth registration with the health authority",
        subject=S.PERSON,
        life_events=("birth", "marriage"),
        keywords="生育服务登记 准生证 怀孕 生孩子 二孩 三孩",
        legal_basis="《中华人民共和国人口与计划生育法》；《广东省人口与计划生育条例》",
        conditions="夫妻双方或一方户籍在本区，或女方现居住地在本区。",
        statutory_days=0,
        promised_days=0,
        **FULL_ONLINE,
        high_frequency=True,
        instant_approval=True,
        process_key="instant_case",
        credit_check=True,
        decision_key="shengyu_dengji",
        materials=(
            _m(
                "夫妻双方居民身份证",
                source=Src.LICENCE,
                ref="resident_id_card",
                notes="由电子证照库调取，免提交",
                gov=True,
            ),
        ),
        form_schema=person_form(
            "生育登记",
            {
                "spouse_name": _s("配偶姓名", 50),
                "spouse_id_number": _s("配偶公民身份号码", 18),
                "child_order": _choice("本次生育子女孩次", ["一孩", "二孩", "三孩"]),
                "expected_date": _date("预产期"),
            },
            ("spouse_name", "spouse_id_number", "child_order"),
        ),
    )

    # --- 区教育局 -----------------------------------------------------------------------------
    add(
        "jyj",
        K.LICENSING,
        1,
        "教师资格认定（幼儿园、小学、初级中学）",
        subject=S.PERSON,
        life_events=("employment", "education"),
        keywords="教师资格证 认定 当老师",
        legal_basis="《中华人民共和国教师法》第十条、第十三条；《教师资格条例》；《〈教师资格条例〉实施办法》",
        conditions="具备《中华人民共和国教师法》规定的学历，普通话水平达到相应等级，身体条件合格，并通过国家中小学教师资格考试。",
        statutory_days=30,
        promised_days=20,
        **FULL_ONLINE,
        result_name="教师资格证书",
        output_licence_type="teacher_qualification",
        materials=(
            ID_CARD,
            _m("学历证书", source=Src.REGISTRY, ref="education.degree", notes="由学信网核验，免提交"),
            _m("普通话水平测试等级证书", source=Src.LICENCE, ref="putonghua_certificate", gov=True),
            _m("体检合格证明"),
        ),
        form_schema=person_form(
            "教师资格认定",
            {
                "level": _choice("申请资格种类", ["幼儿园", "小学", "初级中学"]),
                "subject_taught": _s("任教学科", 30),
                "exam_certificate": _s("考试合格证明编号", 30),
            },
            ("level", "exam_certificate"),
        ),
    )
    add(
        "jyj",
        K.PUBLIC_SERVICE,
        1,
        "义务教育新生入学登记",
        subject=S.PERSON,
        life_events=("education", "birth"),
        keywords="小学报名 初中 入学 学位 上学 招生",
        legal_basis="《中华人民共和国义务教育法》第十二条",
        conditions="凡年满六周岁的适龄儿童，其父母或者其他法定监护人应当送其入学接受并完成义务教育。",
        statutory_days=20,
        promised_days=10,
        **FULL_ONLINE,
        high_frequency=True,
        materials=(
            HOUSEHOLD,
            _m(
                "房产或租赁登记证明",
                source=Src.REGISTRY,
                ref="property.residence",
                notes="由不动产登记、租赁备案信息核验",
                gov=True,
            ),
        ),
        form_schema=person_form(
            "义务教育新生入学登记",
            {
                "child_name": _s("学生姓名", 50),
                "child_id_number": _s("学生公民身份号码", 18),
                "stage": _choice("入学阶段", ["小学一年级", "初中一年级"]),
            },
            ("child_name", "child_id_number", "stage"),
        ),
    )
    add(
        "jyj",
        K.PAYMENT,
        1,
        "普通高中国家助学金申请",
        subject=S.PERSON,
        life_events=("education", "assistance"),
        keywords="助学金 资助 贫困学生",
        legal_basis="《学生资助资金管理办法》（财教〔2021〕310号）",
        conditions="具有正式注册学籍的普通高中在校生中的家庭经济困难学生。",
        statutory_days=30,
        promised_days=20,
        **ONE_VISIT,
        materials=(application("普通高中国家助学金申请表"), _m("家庭经济困难情况证明", when="非低保、特困家庭的")),
        form_schema=person_form(
            "普通高中国家助学金",
            {"school": _s("就读学校", 100), "student_name": _s("学生姓名", 50)},
            ("school", "student_name"),
        ),
    )

    # --- 区农业农村和水利局 ------------------------------------------------------------------
    add(
        "nyj",
        K.LICENSING,
        1,
        "动物防疫条件合格证核发",
        subject=S.ENTERPRISE,
        life_events=("operating_licence",),
        keywords="养殖场 屠宰 动物防疫",
        legal_basis="《中华人民共和国动物防疫法》第二十四条、第二十五条；《动物防疫条件审查办法》",
        conditions="场所的位置与居民生活区、生活饮用水水源地、学校、医院等公共场所的距离符合规定；有相应的污水、污物、病死动物处理设施。",
        statutory_days=20,
        promised_days=10,
        **ONE_VISIT,
        result_name="动物防疫条件合格证",
        output_licence_type="animal_epidemic_prevention",
        materials=(
            application("动物防疫条件审查申请表"),
            _m("场所地理位置图、各功能区布局平面图"),
            _m("设施设备清单"),
            _m("管理制度文本"),
        ),
        form_schema=org_form(
            "动物防疫条件合格证",
            {"site_address": _s("场所地址", 200), "species": _s("动物种类", 100)},
            ("site_address", "species"),
        ),
    )
    add(
        "nyj",
        K.LICENSING,
        2,
        "河道管理范围内建设项目工程建设方案审批",
        subject=S.ENTERPRISE,
        life_events=("construction",),
        keywords="河道 涉河 堤防 水利",
        legal_basis="《中华人民共和国水法》第三十八条；《中华人民共和国防洪法》第二十七条；《中华人民共和国河道管理条例》第十一条",
        conditions="建设项目符合防洪标准和其他技术要求，不危害堤防安全、影响河势稳定或妨碍行洪畅通。",
        statutory_days=20,
        promised_days=10,
        **ONE_VISIT,
        materials=(application("河道管理范围内建设项目申请书"), _m("建设项目防洪评价报告"), _m("工程建设方案及图纸")),
        form_schema=org_form(
            "涉河建设项目审批",
            {"project_name": _s("项目名称", 200), "river": _s("所在河道", 100)},
            ("project_name", "river"),
        ),
    )

    # --- 江门市生态环境局江海分局 ------------------------------------------------------------
    add(
        "sthj",
        K.LICENSING,
        1,
        "建设项目环境影响报告表审批",
        subject=S.ENTERPRISE,
        life_events=("construction", "environment", "investment"),
        keywords="环评 环境影响评价 报告表",
        legal_basis="《中华人民共和国环境影响评价法》第二十二条；《建设项目环境保护管理条例》第九条",
        conditions="建设项目类型及其选址、布局、规模等符合环境保护法律法规和相关法定规划。",
        statutory_days=30,
        promised_days=10,
        **FULL_ONLINE,
        result_name="环境影响报告表批复",
        materials=(
            application("建设项目环境影响评价文件审批申请表"),
            _m("建设项目环境影响报告表"),
            _m("报告表全本公开说明"),
        ),
        form_schema=org_form(
            "环评审批",
            {"project_name": _s("项目名称", 200), "investment": _number("总投资（万元）")},
            ("project_name",),
        ),
    )
    add(
        "sthj",
        K.LICENSING,
        2,
        "排污许可证核发",
        subject=S.ENTERPRISE,
        life_events=("environment", "operating_licence"),
        keywords="排污许可 污染物 排放",
        legal_basis="《排污许可管理条例》（国务院令第736号）第十一条、第十三条",
        conditions="依法取得建设项目环境影响报告书（表）批准文件或者办理环境影响登记表备案手续；污染物排放符合相关标准和总量控制要求。",
        statutory_days=20,
        promised_days=15,
        **FULL_ONLINE,
        result_name="排污许可证",
        output_licence_type="pollutant_discharge_permit",
        materials=(application("排污许可证申请表"), _m("自行监测方案"), _m("守法承诺书")),
        form_schema=org_form(
            "排污许可证",
            {"site_address": _s("生产经营场所地址", 200), "industry": _s("行业类别", 100)},
            ("site_address", "industry"),
        ),
    )

    # --- 江门市医疗保障局江海分局 ------------------------------------------------------------
    add(
        "ybj",
        K.PUBLIC_SERVICE,
        1,
        "城乡居民基本医疗保险参保登记",
        name_en="Enrolment in the residents' basic medical insurance",
        subject=S.PERSON,
        life_events=("health", "birth", "social_insurance"),
        keywords="医保 居民医保 参保 新生儿医保 社保",
        legal_basis="《中华人民共和国社会保险法》第二十五条；《国务院关于整合城乡居民基本医疗保险制度的意见》（国发〔2016〕3号）",
        conditions="除职工基本医疗保险应参保人员以外的本地户籍居民、在本地就读的学生和符合规定的常住人员。",
        statutory_days=20,
        promised_days=0,
        **FULL_ONLINE,
        high_frequency=True,
        instant_approval=True,
        process_key="instant_case",
        credit_check=True,
        decision_key="yibao_canbao",
        materials=(
            ID_CARD,
            HOUSEHOLD,
            _m("出生医学证明", source=Src.LICENCE, ref="birth_medical_certificate", when="新生儿参保的", gov=True),
        ),
        form_schema=person_form(
            "居民医保参保登记",
            {"insured_name": _s("参保人姓名", 50), "insured_id_number": _s("参保人公民身份号码", 18)},
            ("insured_name", "insured_id_number"),
        ),
    )
    add(
        "ybj",
        K.PUBLIC_SERVICE,
        2,
        "基本医疗保险参保人员异地就医备案",
        name_en="Registering for medical treatment in another place",
        subject=S.PERSON,
        life_events=("health", "elderly"),
        keywords="异地就医 跨省就医 医保备案 异地安置",
        legal_basis=(
            "《国家医保局 财政部关于进一步做好基本医疗保险跨省异地就医直接结算工作的通知》（医保发〔2022〕22号）"
        ),
        conditions="异地长期居住人员、临时外出就医人员等参加本地基本医疗保险的人员。",
        statutory_days=0,
        promised_days=0,
        **FULL_ONLINE,
        high_frequency=True,
        cross_province=True,
        materials=(ID_CARD, _m("个人承诺书", notes="在线签署")),
        form_schema=person_form(
            "异地就医备案",
            {
                "category": _choice("备案类型", ["异地长期居住", "临时外出就医"]),
                "destination": _s("就医地（省、市）", 100),
                "start": _date("备案开始日期"),
            },
            ("category", "destination", "start"),
        ),
    )

    # --- 区发展和改革局 -----------------------------------------------------------------------
    add(
        "fgj",
        K.OTHER_POWER,
        1,
        "企业投资项目备案",
        subject=S.ENTERPRISE,
        life_events=("investment", "construction"),
        keywords="项目备案 投资备案 立项",
        legal_basis="《企业投资项目核准和备案管理条例》（国务院令第673号）第十三条；《企业投资项目核准和备案管理办法》",
        conditions="企业在本区投资建设的、不属于核准范围的固定资产投资项目。",
        statutory_days=0,
        promised_days=0,
        channels=(C.ONLINE, C.MOBILE),
        online_depth=4,
        max_visits=0,
        single_sign_on=True,
        instant_approval=True,
        process_key="instant_case",
        credit_check=True,
        decision_key="touzi_beian",
        service_location="",
        result_name="广东省企业投资项目备案证",
        output_licence_type="investment_project_filing",
        materials=(_m("项目备案信息（在线填报）", notes="企业对备案信息的真实性负责"),),
        form_schema=org_form(
            "企业投资项目备案",
            {
                "project_name": _s("项目名称", 200),
                "location": _s("建设地点", 200),
                "industry_category": _choice(
                    "产业类别（《产业结构调整指导目录》）", ["鼓励类", "允许类", "限制类", "淘汰类"]
                ),
                "investment": _number("总投资（万元）"),
                "content": _s("主要建设规模及内容", 1000),
            },
            ("project_name", "location", "industry_category", "investment", "content"),
        ),
    )

    # --- 区退役军人事务局 ---------------------------------------------------------------------
    add(
        "tyjrj",
        K.PUBLIC_SERVICE,
        1,
        "退役军人优待证申领",
        subject=S.PERSON,
        life_events=("veterans",),
        keywords="优待证 退役军人 军人 优抚",
        legal_basis="《中华人民共和国退役军人保障法》；《退役军人、其他优抚对象优待证管理办法（试行）》",
        conditions="户籍在本区的退役军人和其他优抚对象。",
        statutory_days=20,
        promised_days=10,
        **FULL_ONLINE,
        result_name="中华人民共和国退役军人优待证",
        output_licence_type="veteran_preferential_card",
        materials=(ID_CARD, _m("近期免冠证件照片", notes="可在线上传")),
        form_schema=person_form("退役军人优待证申领", {"discharge_year": _integer("退役年份")}, ("discharge_year",)),
    )

    # --- 区司法局 -----------------------------------------------------------------------------
    add(
        "sfj",
        K.PUBLIC_SERVICE,
        1,
        "法律援助申请",
        name_en="Legal aid application",
        subject=S.PERSON,
        life_events=("legal", "assistance"),
        keywords="法律援助 免费律师 打官司 欠薪",
        legal_basis="《中华人民共和国法律援助法》第三十一条、第三十八条、第四十三条",
        conditions="因经济困难没有委托代理人的当事人，就法律援助法规定的事项依法申请法律援助。",
        statutory_days=7,
        promised_days=5,
        **ONE_VISIT,
        materials=(
            application("法律援助申请表"),
            ID_CARD,
            _m("经济困难状况说明表", notes="由申请人如实填写并承诺"),
            _m("与所申请法律援助事项有关的材料", form=Form.COPY),
        ),
        form_schema=person_form(
            "法律援助申请",
            {
                "matter": _choice(
                    "援助事项", ["请求支付劳动报酬", "请求给予社会保险待遇", "请求支付赡养费、抚养费、扶养费", "其他"]
                ),
                "facts": _s("案情及申请理由", 2000),
            },
            ("matter", "facts"),
        ),
    )

    # --- 江门市公安局江海分局 ----------------------------------------------------------------
    add(
        "gaj",
        K.CONFIRMATION,
        1,
        "出生登记",
        name_en="Household registration of a newborn",
        subject=S.PERSON,
        life_events=("birth", "household"),
        keywords="新生儿入户 报户口 上户口 出生入户",
        legal_basis="《中华人民共和国户口登记条例》第七条",
        conditions="婴儿出生后一个月以内，由户主、亲属、抚养人或者邻居向婴儿常住地户口登记机关申报出生登记。",
        statutory_days=0,
        promised_days=0,
        **FULL_ONLINE,
        high_frequency=True,
        service_location="江门市公安局江海分局各派出所户籍窗口（示范地址）",
        materials=(
            _m(
                "出生医学证明",
                source=Src.LICENCE,
                ref="birth_medical_certificate",
                notes="由电子证照库调取，免提交",
                gov=True,
            ),
            _m("父母居民户口簿", source=Src.REGISTRY, ref="person.household", notes="由人口库核验", gov=True),
            _m("父母结婚证", source=Src.LICENCE, ref="marriage_certificate", when="父母已登记结婚的", gov=True),
        ),
        form_schema=person_form(
            "出生登记",
            {
                "child_name": _s("新生儿姓名", 50),
                "birth_date": _date("出生日期"),
                "sex": _choice("性别", ["男", "女"]),
                "follow": _choice("随父或随母落户", ["随父", "随母"]),
            },
            ("child_name", "birth_date", "sex", "follow"),
        ),
    )
    add(
        "gaj",
        K.PUBLIC_SERVICE,
        1,
        "居住证申领",
        subject=S.PERSON,
        life_events=("household", "housing", "employment"),
        keywords="居住证 暂住证 外来人口 积分入学",
        legal_basis="《居住证暂行条例》（国务院令第663号）第九条、第十条",
        conditions="离开常住户口所在地，到本区居住半年以上，符合有合法稳定就业、合法稳定住所、连续就读条件之一的公民。",
        statutory_days=15,
        promised_days=10,
        **ONE_VISIT,
        high_frequency=True,
        service_location="江门市公安局江海分局各派出所（示范地址）",
        result_name="广东省居住证",
        output_licence_type="residence_permit",
        materials=(
            ID_CARD,
            _m("居住登记凭证", source=Src.REGISTRY, ref="person.residence_registration", gov=True),
            _m("合法稳定就业、住所或就读证明"),
        ),
        form_schema=person_form(
            "居住证申领",
            {
                "residence_address": _s("居住地址", 200),
                "basis": _choice("申领条件", ["合法稳定就业", "合法稳定住所", "连续就读"]),
            },
            ("residence_address", "basis"),
        ),
    )
    return items
