"""A demo catalogue: a tea house's products and services in four categories (13 %, 9 % and 6 %
VAT), a tax-inclusive CNY retail list with quantity breaks and a USD export list.

Written through the catalogue services (audited as the system). Running it again creates
nothing twice and leaves prices someone changed alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from heartline.catalogue import services
from heartline.catalogue.models import Category, PriceList, Product

# (English, Chinese, VAT rate)
CATEGORIES = {
    "tea": ("Tea", "茶叶", "0.13"),
    "ware": ("Teaware", "茶具", "0.13"),
    "books": ("Books and magazines", "图书期刊", "0.09"),
    "services": ("Services", "服务", "0.06"),
}

# SKU, category, kind, English name, Chinese name, unit, English / Chinese description,
# retail CNY prices by quantity break (tax included), USD export price (without tax or None)
PRODUCTS: tuple[tuple[str, str, str, str, str, str, str, str, dict[str, str], str | None], ...] = (
    (
        "TEA-LJ-250",
        "tea",
        "product",
        "West Lake Longjing, 250 g",
        "西湖龙井 250克",
        "盒",
        "Pre-Qingming spring harvest, pan-fired.",
        "明前春茶，手工炒制。",
        {"1": "388.00", "5": "368.00", "20": "338.00"},
        "52.00",
    ),
    (
        "TEA-PE-357",
        "tea",
        "product",
        "Pu'er cake, 357 g",
        "普洱茶饼 357克",
        "饼",
        "Aged raw Pu'er from Menghai.",
        "勐海生普，陈放五年。",
        {"1": "268.00", "7": "248.00"},
        "36.00",
    ),
    (
        "TEA-TGY-125",
        "tea",
        "product",
        "Tieguanyin, 125 g",
        "安溪铁观音 125克",
        "罐",
        "Lightly roasted oolong.",
        "清香型乌龙茶。",
        {"1": "158.00", "10": "142.00"},
        "21.50",
    ),
    (
        "TEA-DHP-100",
        "tea",
        "product",
        "Da Hong Pao, 100 g",
        "武夷大红袍 100克",
        "罐",
        "Rock oolong from the Wuyi mountains.",
        "武夷岩茶。",
        {"1": "218.00"},
        "29.00",
    ),
    (
        "TEA-JAS-50",
        "tea",
        "product",
        "Jasmine pearls, 50 g",
        "茉莉龙珠 50克",
        "袋",
        "Hand-rolled green tea scented with jasmine.",
        "茉莉花窨制绿茶。",
        {"1": "68.00"},
        "9.50",
    ),
    (
        "TEA-GIFT-01",
        "tea",
        "product",
        "Spring Festival gift box",
        "新春茶礼盒",
        "盒",
        "Longjing and Tieguanyin with two cups.",
        "龙井、铁观音配品茗杯两只。",
        {"1": "598.00", "10": "558.00", "50": "518.00"},
        None,
    ),
    (
        "WARE-GW-01",
        "ware",
        "product",
        "Porcelain gaiwan",
        "白瓷盖碗",
        "只",
        "Jingdezhen porcelain, 150 ml.",
        "景德镇白瓷，150毫升。",
        {"1": "128.00"},
        "18.00",
    ),
    (
        "WARE-YX-02",
        "ware",
        "product",
        "Yixing clay teapot",
        "宜兴紫砂壶",
        "把",
        "Zhuni clay, 200 ml, handmade.",
        "朱泥手工壶，200毫升。",
        {"1": "1280.00"},
        "175.00",
    ),
    (
        "WARE-CUP-06",
        "ware",
        "product",
        "Tasting cups, set of 6",
        "品茗杯六只装",
        "套",
        "",
        "",
        {"1": "96.00", "10": "86.00"},
        "13.00",
    ),
    (
        "WARE-TRAY-01",
        "ware",
        "product",
        "Bamboo tea tray",
        "竹制茶盘",
        "个",
        "With a water drawer.",
        "带储水抽屉。",
        {"1": "238.00"},
        "33.00",
    ),
    (
        "WARE-KET-01",
        "ware",
        "product",
        "Electric kettle, 0.8 l",
        "电热水壶 0.8升",
        "台",
        "Keeps 70–100 °C.",
        "70至100度保温。",
        {"1": "199.00"},
        None,
    ),
    (
        "BOOK-CJ-01",
        "books",
        "product",
        "The Classic of Tea (bilingual)",
        "《茶经》中英对照",
        "本",
        "Lu Yu's Tang-dynasty classic.",
        "陆羽著。",
        {"1": "58.00", "20": "49.30"},
        "8.00",
    ),
    (
        "BOOK-GUIDE-02",
        "books",
        "product",
        "A Field Guide to Chinese Tea",
        "中国名茶图鉴",
        "本",
        "",
        "",
        {"1": "88.00"},
        "12.00",
    ),
    (
        "BOOK-MAG-12",
        "books",
        "service",
        "Tea magazine, 12 issues",
        "《茶道》杂志全年订阅",
        "年",
        "Monthly, delivered by post.",
        "月刊，邮寄到家。",
        {"1": "240.00"},
        None,
    ),
    (
        "SRV-TASTE",
        "services",
        "service",
        "Tea tasting session",
        "品鉴会",
        "人",
        "Two hours, six teas, at the shop.",
        "门店两小时，品鉴六款茶。",
        {"1": "168.00", "6": "148.00", "12": "128.00"},
        None,
    ),
    (
        "SRV-CLASS",
        "services",
        "service",
        "Tea art class",
        "茶艺课程",
        "课时",
        "",
        "",
        {"1": "300.00", "8": "270.00"},
        None,
    ),
    (
        "SRV-ENGRAVE",
        "services",
        "service",
        "Teapot engraving",
        "紫砂壶刻字",
        "次",
        "Up to eight characters.",
        "八字以内。",
        {"1": "80.00"},
        None,
    ),
    (
        "SRV-DELIVERY",
        "services",
        "service",
        "Same-day city delivery",
        "同城当日达",
        "单",
        "",
        "",
        {"1": "25.00"},
        None,
    ),
    (
        "SRV-CORP",
        "services",
        "service",
        "Corporate gift service",
        "企业定制礼品服务",
        "单",
        "Branded packaging and cards.",
        "定制包装与贺卡。",
        {"1": "1500.00"},
        "210.00",
    ),
    (
        "SRV-CONSULT",
        "services",
        "service",
        "Tea room consulting",
        "茶室设计咨询",
        "小时",
        "",
        "",
        {"1": "800.00"},
        "110.00",
    ),
)

RETAIL = "Retail 零售价"
EXPORT = "Export 出口价 (USD)"


@dataclass
class CatalogueSeedReport:
    categories: int = 0
    products: int = 0
    prices: int = 0


def _category(key: str, report: CatalogueSeedReport) -> Category:
    name_en, name_zh, rate = CATEGORIES[key]
    existing = Category.objects.filter(name_en=name_en).first()
    if existing is not None:
        return existing
    report.categories += 1
    return services.category_create(
        actor=None, name_en=name_en, name_zh=name_zh, tax_rate=Decimal(rate)
    )


def _price_list(name: str, **fields: object) -> tuple[PriceList, bool]:
    existing = PriceList.objects.filter(name=name).first()
    if existing is not None:
        return existing, False
    return services.price_list_create(actor=None, name=name, **fields), True  # type: ignore[arg-type]


def seed_catalogue() -> CatalogueSeedReport:
    """Create the demo catalogue (call inside a transaction)."""
    report = CatalogueSeedReport()
    categories = {key: _category(key, report) for key in CATEGORIES}
    retail, new_retail = _price_list(RETAIL, currency="CNY", tax_inclusive=True, priority=100)
    export, new_export = _price_list(EXPORT, currency="USD", tax_inclusive=False, priority=100)
    for sku, cat, kind, en, zh, unit, desc_en, desc_zh, breaks, usd in PRODUCTS:
        product = Product.objects.filter(sku=sku).first()
        if product is None:
            product = services.product_create(
                actor=None,
                sku=sku,
                kind=kind,
                name_en=en,
                name_zh=zh,
                description_en=desc_en,
                description_zh=desc_zh,
                category=categories[cat],
                unit=unit,
            )
            report.products += 1
        if new_retail:
            for quantity, price in breaks.items():
                services.price_list_item_set(
                    actor=None,
                    price_list=retail,
                    product=product,
                    unit_price=price,
                    min_quantity=quantity,
                )
                report.prices += 1
        if new_export and usd is not None:
            services.price_list_item_set(
                actor=None, price_list=export, product=product, unit_price=usd
            )
            report.prices += 1
    return report
