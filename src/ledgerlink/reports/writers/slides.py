"""The Spend Summary slide (python-pptx): one 16:9 slide in the organisation's colour.

Everything on the slide is plain text runs and shapes; no hyperlink or other external
relationship is created, whatever the data says. The chart's embedded workbook holds only
the fixed method-group labels and numbers.
"""

from __future__ import annotations

import re
from decimal import Decimal

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import PP_ALIGN
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from ledgerlink.insights.summary import SpendSummary
from ledgerlink.reports.writers.xlsx import Target, open_target

SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "AUD": "A$", "CAD": "C$", "NZD": "NZ$", "JPY": "¥"}
DEFAULT_COLOUR = "#1F4E79"
_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


def _rgb(hex_digits: str) -> RGBColor:
    return RGBColor.from_string(hex_digits)  # type: ignore[no-untyped-call, no-any-return]


DARK = _rgb("262626")
GREY = _rgb("595959")
WHITE = _rgb("FFFFFF")
PANEL = _rgb("F2F2F2")
FOOTNOTE = (
    "Cardable spend: suppliers whose most common payment method is bank transfer, check, cash "
    "or other. Figures are estimates from the accounting records."
)


def brand_rgb(colour: str) -> RGBColor:
    """`#RRGGBB` (or `RRGGBB`) as a colour; anything else is refused."""
    found = _HEX.match(colour.strip())
    if not found:
        raise ValueError(f"brand colour must be #RRGGBB, not {colour!r}")
    return _rgb(found.group(1).upper())


def money(value: Decimal, currency: str, *, decimals: int = 0) -> str:
    symbol = SYMBOLS.get(currency.upper(), "")
    number = f"{value:,.{decimals}f}"
    if symbol:
        return f"-{symbol}{number[1:]}" if number.startswith("-") else f"{symbol}{number}"
    return f"{currency} {number}".strip()


def _text(
    slide: Slide,
    left: float,
    top: float,
    width: float,
    height: float,
    lines: list[tuple[str, float, bool, RGBColor]],
    *,
    align: PP_ALIGN = PP_ALIGN.LEFT,
) -> None:
    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    frame = box.text_frame
    frame.word_wrap = True
    for index, (text, size, bold, colour) in enumerate(lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.alignment = align
        run = paragraph.add_run()
        run.text = text
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.color.rgb = colour


def _kpi(
    slide: Slide, left: float, top: float, label: str, value: str, note: str, colour: RGBColor
) -> None:
    shape = slide.shapes.add_shape(
        MSO_SHAPE.ROUNDED_RECTANGLE, Inches(left), Inches(top), Inches(2.9), Inches(1.25)
    )
    shape.fill.solid()
    shape.fill.fore_color.rgb = PANEL
    shape.line.color.rgb = colour
    _text(
        slide,
        left + 0.1,
        top + 0.05,
        2.7,
        1.15,
        [(label, 11, False, GREY), (value, 22, True, colour), (note, 9, False, GREY)],
    )


def write_spend_summary(
    summary: SpendSummary,
    target: Target,
    *,
    org_name: str,
    brand_colour: str = DEFAULT_COLOUR,
) -> None:
    """One slide: headline benefits, cardable spend, cashback, time saved, a chart of spend
    by method group and the top supplier opportunities."""
    colour = brand_rgb(brand_colour)
    cur = summary.base_currency
    deck = Presentation()
    deck.slide_width = Inches(13.333)
    deck.slide_height = Inches(7.5)
    slide = deck.slides.add_slide(deck.slide_layouts[6])  # blank

    bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, deck.slide_width, Inches(1.0))
    bar.fill.solid()
    bar.fill.fore_color.rgb = colour
    bar.line.fill.background()
    _text(
        slide, 0.4, 0.12, 9.5, 0.8, [(f"Card opportunity: {summary.company_name}", 24, True, WHITE)]
    )
    _text(slide, 9.3, 0.22, 3.7, 0.6, [(org_name, 14, True, WHITE)], align=PP_ALIGN.RIGHT)
    months = f"{summary.months_reviewed.normalize():f}"
    _text(
        slide,
        0.4,
        1.1,
        12.5,
        0.4,
        [
            (
                f"Based on spend from {summary.start:%d %b %Y} to {summary.end:%d %b %Y} "
                f"({months} months), annualised.",
                12,
                False,
                GREY,
            )
        ],
    )

    _text(
        slide,
        0.4,
        1.55,
        6.0,
        1.1,
        [
            ("Annual card benefits", 14, False, GREY),
            (money(summary.annual_card_benefits, cur), 40, True, colour),
        ],
    )
    _kpi(
        slide,
        0.4,
        2.85,
        "Cardable spend (annual)",
        money(summary.cardable_spend, cur),
        f"{summary.cardable_suppliers:,} suppliers paid by non-card methods",
        colour,
    )
    rates = ", ".join(
        f"{(s.rate * 100).normalize():f}%" + (f" to {money(s.up_to, cur)}" if s.up_to else " above")
        for s in summary.cashback_slices
    )
    _kpi(slide, 3.45, 2.85, "Cashback", money(summary.cashback, cur), rates, colour)
    _kpi(
        slide,
        0.4,
        4.25,
        "Time saved",
        f"{summary.hours_saved:,.0f} hours",
        f"worth {money(summary.time_saved_value, cur)} at {money(summary.hourly_cost, cur)}/hour, "
        f"{summary.minutes_per_payment.normalize():f} min per payment",
        colour,
    )
    _kpi(
        slide,
        3.45,
        4.25,
        "Total spend reviewed",
        money(summary.total_spend, cur),
        "bills and expenses in the period",
        colour,
    )

    data = CategoryChartData()  # type: ignore[no-untyped-call]
    data.categories = list(summary.spend_by_group)
    values = [float(v) for v in summary.spend_by_group.values()]
    data.add_series("Spend", values)  # type: ignore[no-untyped-call]
    frame = slide.shapes.add_chart(
        XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(6.7), Inches(1.5), Inches(6.2), Inches(2.9), data
    )
    chart = frame.chart
    chart.has_legend = False
    chart.has_title = True
    chart.chart_title.text_frame.text = "Spend by payment method group"
    plot = chart.plots[0]
    plot.has_data_labels = True
    plot.data_labels.number_format = "#,##0"
    plot.data_labels.number_format_is_linked = False
    plot.data_labels.position = XL_LABEL_POSITION.OUTSIDE_END
    series = plot.series[0]
    series.format.fill.solid()
    series.format.fill.fore_color.rgb = colour
    chart.value_axis.has_major_gridlines = False
    chart.value_axis.tick_labels.font.size = Pt(9)
    chart.category_axis.tick_labels.font.size = Pt(11)

    _text(slide, 6.7, 4.55, 6.2, 0.4, [("Top supplier opportunities", 14, True, DARK)])
    rows = max(len(summary.top_opportunities), 1) + 1
    table = slide.shapes.add_table(
        rows, 4, Inches(6.7), Inches(5.0), Inches(6.2), Emu(Inches(0.4) * rows)
    ).table
    widths = (2.6, 1.3, 1.0, 1.3)
    for index, width in enumerate(widths):
        table.columns[index].width = Inches(width)
    headers = ("Supplier", "Annual spend", "Terms (days)", "Paid by")
    for index, header in enumerate(headers):
        cell = table.cell(0, index)
        cell.text = header
        cell.fill.solid()
        cell.fill.fore_color.rgb = colour
        for paragraph in cell.text_frame.paragraphs:
            for run in paragraph.runs:
                run.font.size = Pt(11)
                run.font.bold = True
                run.font.color.rgb = WHITE
    for r, item in enumerate(summary.top_opportunities, start=1):
        texts = (
            item.name,
            money(item.annual_spend, cur),
            "" if item.common_terms_days is None else str(item.common_terms_days),
            item.current_method,
        )
        for c, text in enumerate(texts):
            cell = table.cell(r, c)
            cell.text = text
            for paragraph in cell.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(11)
                    run.font.color.rgb = DARK
    if not summary.top_opportunities:
        table.cell(1, 0).text = "No supplier to move to card in this period"

    _text(
        slide,
        0.4,
        6.95,
        12.5,
        0.4,
        [
            (
                FOOTNOTE,
                9,
                False,
                GREY,
            )
        ],
    )
    with open_target(target) as out:
        deck.save(out)
