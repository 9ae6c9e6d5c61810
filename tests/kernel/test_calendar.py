"""Working calendar (工作日历): periods, weekends, holidays, make-up days, seasons, missing years."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from citysteward.kernel.calendar import (
    DEFAULT_SCHEDULES,
    DayOverride,
    WorkCalendar,
    WorkPeriod,
    WorkSchedule,
    parse_periods,
)
from citysteward.kernel.calendar_seed import (
    SUPPORTED_YEARS,
    calendar_from_chinesecalendar,
    holidays_from_chinesecalendar,
    parse_calendar_csv,
)
from citysteward.kernel.errors import CalendarMissing, InvalidInput

SH = ZoneInfo("Asia/Shanghai")
CAL = calendar_from_chinesecalendar([2025, 2026])

SUMMER = WorkSchedule("夏令作息", "05-01", "09-30", parse_periods("08:00-12:00,15:00-18:30"))
WINTER = WorkSchedule("冬令作息", "10-01", "04-30", parse_periods("08:30-12:00,14:30-18:00"))
SEASONAL = calendar_from_chinesecalendar([2025, 2026], schedules=(SUMMER, WINTER))


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """A local (Asia/Shanghai) wall time as an aware datetime."""
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def local(moment: datetime) -> datetime:
    return moment.astimezone(SH)


# --- holidays and make-up days -----------------------------------------------------------------


def test_2026_national_day_is_off_and_its_make_up_days_are_worked() -> None:
    overrides = {ov.day: ov for ov in holidays_from_chinesecalendar(2026)}
    for day in range(1, 8):
        d = date(2026, 10, day)
        assert overrides[d] == DayOverride(d, "holiday", "国庆节")
        assert chinese_calendar.is_holiday(d)
        assert not CAL.is_workday(d)
        assert CAL.periods_on(d) == ()
    for d in (date(2026, 9, 20), date(2026, 10, 10)):
        assert d.weekday() >= 5
        assert overrides[d] == DayOverride(d, "workday", "国庆节调休上班")
        assert chinese_calendar.is_workday(d)
        assert CAL.is_workday(d)
    assert CAL.is_workday(date(2026, 10, 8)) and chinese_calendar.is_workday(date(2026, 10, 8))


def test_workdays_agree_with_chinese_calendar_for_every_loaded_day() -> None:
    d = date(2025, 1, 1)
    while d.year <= 2026:
        assert CAL.is_workday(d) == chinese_calendar.is_workday(d), d
        d += timedelta(days=1)


def test_seeded_holidays_have_chinese_names() -> None:
    names = {ov.name for ov in holidays_from_chinesecalendar(2026)}
    assert {"元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"} <= names
    assert all(not any(c.isascii() and c.isalpha() for c in n) for n in names)


def test_working_hours_skip_the_national_day_holiday() -> None:
    # 2h on 09-30 (16:00–18:00), 10-01..07 off, then 2h from 08:30 on Thursday 10-08.
    due = CAL.add_working_minutes(at(2026, 9, 30, 16), 4 * 60)
    assert due == at(2026, 10, 8, 10, 30)
    assert due.tzinfo is UTC


def test_make_up_day_counts_as_a_workday() -> None:
    # Saturday 09-19 is off; Sunday 09-20 is worked: 08:30–12:00 (3.5h) then 30 min after 14:30.
    assert CAL.add_working_minutes(at(2026, 9, 19, 10), 4 * 60) == at(2026, 9, 20, 15)
    # Saturday 10-10 is worked too: 1h on Friday 10-09, 1h on Saturday.
    assert CAL.add_working_minutes(at(2026, 10, 9, 17), 2 * 60) == at(2026, 10, 10, 9, 30)


def test_make_up_day_uses_the_periods_of_its_season() -> None:
    assert SEASONAL.periods_on(date(2026, 9, 20)) == SUMMER.periods
    assert SEASONAL.periods_on(date(2026, 10, 10)) == WINTER.periods


# --- periods, nights, weekends -----------------------------------------------------------------


def test_nights_are_skipped() -> None:
    assert CAL.add_working_minutes(at(2026, 9, 15, 17, 30), 60) == at(2026, 9, 16, 9)


def test_ordinary_weekends_are_skipped() -> None:
    assert CAL.add_working_minutes(at(2026, 9, 11, 17), 120) == at(2026, 9, 14, 9, 30)


def test_start_outside_periods_counts_from_the_next_period_start() -> None:
    assert CAL.add_working_minutes(at(2026, 9, 15, 13), 60) == at(2026, 9, 15, 15, 30)
    assert CAL.add_working_minutes(at(2026, 9, 15, 7), 60) == at(2026, 9, 15, 9, 30)
    assert CAL.add_working_minutes(at(2026, 9, 15, 22), 60) == at(2026, 9, 16, 9, 30)


def test_a_limit_that_exhausts_a_period_ends_at_the_period_end() -> None:
    assert CAL.add_working_minutes(at(2026, 9, 15, 8, 30), 210) == at(2026, 9, 15, 12)
    assert CAL.add_working_minutes(at(2026, 9, 15, 8, 30), 420) == at(2026, 9, 15, 18)


def test_adding_nothing_changes_nothing() -> None:
    assert CAL.add_working_minutes(at(2026, 9, 15, 22), 0) == at(2026, 9, 15, 22)


def test_working_minutes_between_counts_only_work_periods() -> None:
    assert CAL.working_minutes_between(at(2026, 9, 15, 8), at(2026, 9, 15, 20)) == 420
    assert CAL.working_minutes_between(at(2026, 9, 30, 17), at(2026, 10, 8, 9)) == 90
    assert CAL.working_minutes_between(at(2026, 9, 16), at(2026, 9, 15)) == 0


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(InvalidInput):
        CAL.add_working_minutes(datetime(2026, 9, 15, 10), 60)


def test_negative_amounts_are_refused() -> None:
    with pytest.raises(InvalidInput):
        CAL.add_working_minutes(at(2026, 9, 15, 10), -1)


# --- working days ------------------------------------------------------------------------------


def test_one_working_day_is_due_at_the_same_time_on_the_next_working_day() -> None:
    assert CAL.add_working_days(at(2026, 9, 15, 10), 1) == at(2026, 9, 16, 10)
    # Across the holiday: 10-08, 10-09 and the make-up Saturday 10-10.
    assert CAL.add_working_days(at(2026, 9, 30, 10), 3) == at(2026, 10, 10, 10)


def test_working_days_from_outside_hours_end_at_the_close_of_the_last_day() -> None:
    assert CAL.add_working_days(at(2026, 9, 15, 20), 1) == at(2026, 9, 16, 18)


def test_twenty_working_days_skip_mid_autumn_and_count_the_make_up_sunday() -> None:
    due = CAL.add_working_days(at(2026, 9, 1, 10), 20)
    assert due == at(2026, 9, 29, 10)
    assert local(due).date() == chinese_calendar.find_workday(20, date(2026, 9, 1))


@settings(max_examples=60, deadline=None)
@given(
    day=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 8, 31)),
    n=st.integers(min_value=1, max_value=30),
)
def test_working_days_agree_with_chinese_calendar(day: date, n: int) -> None:
    assume(chinese_calendar.is_workday(day))
    due = CAL.add_working_days(at(day.year, day.month, day.day, 10), n)
    expected = chinese_calendar.find_workday(n, day)
    assert due == at(expected.year, expected.month, expected.day, 10)


# --- seasons -----------------------------------------------------------------------------------


def test_a_deadline_across_the_autumn_change_uses_each_days_own_periods() -> None:
    # 09-30 summer: 17:00–18:30 (1.5h); 10-08 winter: from 08:30, 2.5h → 11:00.
    assert SEASONAL.add_working_minutes(at(2026, 9, 30, 17), 240) == at(2026, 10, 8, 11)


def test_a_deadline_across_the_spring_change_uses_each_days_own_periods() -> None:
    # 04-30 winter: 17:00–18:00 (1h); 05-01..05 off; 05-06 summer: from 08:00, 3h → 11:00.
    assert chinese_calendar.is_workday(date(2026, 5, 6))
    assert SEASONAL.add_working_minutes(at(2026, 4, 30, 17), 240) == at(2026, 5, 6, 11)


def test_a_working_day_is_as_long_as_the_timetable_in_force_at_the_start() -> None:
    assert SEASONAL.add_working_days(at(2026, 7, 1, 10), 1) == at(2026, 7, 2, 10)
    # Registered at opening time, one working day is used up at closing time the same day.
    assert SEASONAL.add_working_days(at(2026, 7, 1, 8), 1) == at(2026, 7, 1, 18, 30)
    assert SEASONAL.working_day_minutes(at(2026, 7, 1, 8)) == 450
    assert SEASONAL.working_day_minutes(at(2026, 12, 1, 8)) == 420


def test_a_schedule_may_wrap_the_year_end() -> None:
    assert WINTER.covers(date(2026, 12, 31)) and WINTER.covers(date(2027, 1, 1))
    assert WINTER.covers(date(2028, 2, 29))
    assert not WINTER.covers(date(2026, 7, 1))
    assert SUMMER.covers(date(2026, 9, 30)) and not SUMMER.covers(date(2026, 10, 1))


def test_schedules_must_cover_every_day_exactly_once() -> None:
    with pytest.raises(InvalidInput, match="没有覆盖"):
        WorkCalendar([SUMMER], {}, {2026})
    with pytest.raises(InvalidInput, match="重叠"):
        WorkCalendar([SUMMER, WINTER, DEFAULT_SCHEDULES[0]], {}, {2026})


def test_default_schedule_is_all_year_0830_1200_and_1430_1800_mon_to_fri() -> None:
    (default,) = DEFAULT_SCHEDULES
    assert [str(p) for p in default.periods] == ["08:30-12:00", "14:30-18:00"]
    assert default.weekdays == frozenset(range(5))
    assert default.day_minutes == 420


# --- parsing -----------------------------------------------------------------------------------


def test_periods_are_parsed_and_sorted() -> None:
    assert parse_periods("14:30-18:00，08:30-12:00") == DEFAULT_SCHEDULES[0].periods


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "不能为空"),
        ("8点半到12点", "无法识别"),
        ("08:30-12:00,11:00-13:00", "重叠"),
        ("12:00-08:30", "早于"),
        ("25:00-26:00", "无效"),
    ],
)
def test_bad_period_text_is_refused_clearly(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        parse_periods(text)


def test_overlapping_periods_in_a_schedule_are_refused() -> None:
    with pytest.raises(InvalidInput, match="重叠"):
        WorkSchedule("x", "01-01", "12-31", (WorkPeriod(time(8), time(12)), WorkPeriod(time(11), time(13))))


# --- missing years and imports -----------------------------------------------------------------


def test_a_year_not_loaded_raises_calendar_missing_naming_the_year() -> None:
    with pytest.raises(CalendarMissing, match="2027") as info:
        CAL.is_workday(date(2027, 1, 4))
    assert "import-calendar 2027" in info.value.message
    assert info.value.detail == {"year": 2027}
    with pytest.raises(CalendarMissing, match="2027"):
        CAL.add_working_minutes(at(2026, 12, 31, 17), 120)
    with pytest.raises(CalendarMissing, match="2027"):
        CAL.working_minutes_between(at(2026, 12, 31, 17), at(2027, 1, 5, 12))


def test_the_seed_refuses_years_the_package_does_not_know() -> None:
    assert SUPPORTED_YEARS == range(2004, 2027)
    with pytest.raises(CalendarMissing, match="2027"):
        holidays_from_chinesecalendar(2027)
    with pytest.raises(CalendarMissing, match="2003"):
        holidays_from_chinesecalendar(2003)


def test_an_imported_csv_year_extends_the_calendar() -> None:
    text = "\ufeffdate,kind,name\n2027-01-01,holiday,元旦\n\n# 春节\n2027-02-07,workday,春节调休上班\n"
    imported = parse_calendar_csv(text)
    assert imported == [
        DayOverride(date(2027, 1, 1), "holiday", "元旦"),
        DayOverride(date(2027, 2, 7), "workday", "春节调休上班"),
    ]
    cal = WorkCalendar.from_overrides([*holidays_from_chinesecalendar(2026), *imported], {2026, 2027})
    # 1h on 12-31; 01-01 holiday (Friday); weekend; Monday 01-04 from 08:30.
    assert cal.add_working_minutes(at(2026, 12, 31, 17), 120) == at(2027, 1, 4, 9, 30)
    assert cal.is_workday(date(2027, 2, 7))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2027-01-01,holiday,元旦\n2027-13-01,holiday,x", "第 2 行日期无效"),
        ("2027-01-01,vacation,元旦", "第 1 行类型无效"),
        ("2027-01-01", "第 1 行格式错误"),
        ("2027-01-01,holiday,元旦\n2027-01-01,workday,x", "第 2 行的日期 2027-01-01 与第 1 行重复"),
    ],
)
def test_a_bad_csv_line_is_named(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        parse_calendar_csv(text)


# --- properties --------------------------------------------------------------------------------

starts = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 9, 30), timezones=st.just(UTC))
amounts = st.floats(min_value=0, max_value=20000, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(start=starts, minutes=amounts)
def test_working_minutes_between_inverts_add_working_minutes(start: datetime, minutes: float) -> None:
    end = CAL.add_working_minutes(start, minutes)
    assert end >= start
    assert abs(CAL.working_minutes_between(start, end) - minutes) < 1e-6


@settings(max_examples=100, deadline=None)
@given(start=starts, m1=amounts, m2=amounts)
def test_more_working_minutes_never_end_earlier(start: datetime, m1: float, m2: float) -> None:
    lo, hi = sorted((m1, m2))
    assert CAL.add_working_minutes(start, lo) <= CAL.add_working_minutes(start, hi)


@settings(max_examples=100, deadline=None)
@given(s1=starts, s2=starts, minutes=amounts)
def test_a_later_start_never_ends_earlier(s1: datetime, s2: datetime, minutes: float) -> None:
    a, b = sorted((s1, s2))
    assert SEASONAL.add_working_minutes(a, minutes) <= SEASONAL.add_working_minutes(b, minutes)
    assert SEASONAL.working_minutes_between(a, b) >= 0


@settings(max_examples=100, deadline=None)
@given(start=starts, minutes=amounts)
def test_seasonal_calendar_inverse_holds_too(start: datetime, minutes: float) -> None:
    end = SEASONAL.add_working_minutes(start, minutes)
    assert abs(SEASONAL.working_minutes_between(start, end) - minutes) < 1e-6
