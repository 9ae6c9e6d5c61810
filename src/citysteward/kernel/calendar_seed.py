"""Seeding the working calendar (工作日历): public holidays (法定节假日) and make-up workdays
(调休上班) from the `chinese_calendar` package, or from an administrator's CSV.

`chinese_calendar` 1.11.0 only knows 2004–2026; later years (announced each November by the State
Council) must be imported as CSV, which is why the calendar is data and not this package.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date

import chinese_calendar

from citysteward.kernel.calendar import DEFAULT_SCHEDULES, DayOverride, WorkCalendar, WorkSchedule
from citysteward.kernel.errors import CalendarMissing, InvalidInput

SUPPORTED_YEARS = range(2004, 2027)

# chinese_calendar.Holiday values (English) → the names people see.
HOLIDAY_NAMES: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _chinese_name(english: str | None) -> str:
    if not english:
        return "法定节假日"
    return HOLIDAY_NAMES.get(english, english)


def holidays_from_chinesecalendar(year: int) -> list[DayOverride]:
    """Holidays and make-up workdays of `year` as calendar overrides, sorted by day.

    Holidays include the weekend days inside a named holiday period: they are off anyway, but keeping
    them names the day (e.g. 国庆节) in the calendar the administrator reviews.
    """
    if year not in SUPPORTED_YEARS:
        raise CalendarMissing(
            f"内置节假日数据只包含 {SUPPORTED_YEARS[0]}–{SUPPORTED_YEARS[-1]} 年，"
            f"{year} 年的节假日与调休请管理员按国务院办公厅通知以 CSV 导入",
            {"year": year, "supported": [SUPPORTED_YEARS[0], SUPPORTED_YEARS[-1]]},
        )
    result: list[DayOverride] = []
    for day, name in chinese_calendar.holidays.items():
        if day.year == year:
            result.append(DayOverride(day, "holiday", _chinese_name(name)))
    for day, name in chinese_calendar.workdays.items():
        # The package lists only make-up days here; the weekday guard keeps ordinary days out if a
        # later version starts listing them.
        if day.year == year and day.weekday() >= 5:
            result.append(DayOverride(day, "workday", f"{_chinese_name(name)}调休上班"))
    result.sort(key=lambda ov: ov.day)
    return result


def calendar_from_chinesecalendar(
    years: Iterable[int], schedules: Iterable[WorkSchedule] = DEFAULT_SCHEDULES
) -> WorkCalendar:
    """A calendar with the given years loaded from the package (handy for seeding, demos and tests)."""
    years = sorted(set(years))
    overrides = [ov for y in years for ov in holidays_from_chinesecalendar(y)]
    return WorkCalendar.from_overrides(overrides, years, schedules)


_KINDS = {"holiday": "holiday", "workday": "workday", "休": "holiday", "班": "workday"}
_DEFAULT_NAMES = {"holiday": "节假日", "workday": "调休上班"}


def parse_calendar_csv(text: str) -> list[DayOverride]:
    """Parse lines 'YYYY-MM-DD,holiday|workday,名称' (the name may be empty).

    Blank lines, lines starting with '#', and a header line starting with 'date' or '日期' are
    skipped. A day listed twice is refused: which entry should win is the administrator's call.
    """
    overrides: list[DayOverride] = []
    seen: dict[date, int] = {}
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))  # Excel writes a BOM
    for lineno, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if lineno == 1 and cells[0].lower() in ("date", "日期"):
            continue
        if len(cells) not in (2, 3):
            raise InvalidInput(
                f"第 {lineno} 行格式错误：应为“日期,holiday|workday,名称”，实际为“{','.join(row)}”",
                {"line": lineno},
            )
        try:
            day = date.fromisoformat(cells[0])
        except ValueError:
            raise InvalidInput(
                f"第 {lineno} 行日期无效：{cells[0]}（应为 YYYY-MM-DD）", {"line": lineno}
            ) from None
        kind = _KINDS.get(cells[1].lower())
        if kind is None:
            raise InvalidInput(
                f"第 {lineno} 行类型无效：{cells[1]}（应为 holiday 或 workday）", {"line": lineno}
            )
        if day in seen:
            raise InvalidInput(
                f"第 {lineno} 行的日期 {day.isoformat()} 与第 {seen[day]} 行重复", {"line": lineno}
            )
        seen[day] = lineno
        name = cells[2] if len(cells) == 3 and cells[2] else _DEFAULT_NAMES[kind]
        overrides.append(DayOverride(day, kind, name))  # type: ignore[arg-type]
    return overrides
