"""A year of cases for the demo city, produced by the real rules.

Every case is walked through the one transition table (`cases.domain.lifecycle.apply_action`) on an
in-memory `Case`, with synthetic timestamps, the city's real working calendar and the catalogue's
time limits: deadlines, extensions, suspensions, rework, timer lights and the deadline sweep's
reminders, `overdue` marks and automatic supervision (decided by `supervision.domain.escalation`, as
the live sweep decides them) are exactly what the live system would have produced. Nothing here
touches the database; the loader writes the result through the case repository.

How a case is made
------------------
1. *When* (`times`): report times spread over the year ending `now` (busier in summer, fewer inspector
   reports at weekends, daytime hours by channel), plus a share of recent reports so the open queues
   are populated.
2. *What and where* (`mix`, `places`): a category from a weighted, seasonal mix of the frequent
   problems (暴露垃圾, 道路不洁, 占道经营, 井盖, 路灯, 积水 in the rainy season, 施工扬尘 …); a point
   drawn uniformly inside a grid (grids near the centre are busier); the nearest demo road gives the
   address and the road used by named-road responsibility rules. A few hot spots keep coming back
   (反复反弹).
3. *How it went* (`plan`, `runner`): a plan (intake path, return, extension, suspension, on time or
   late, rework, rating, reopening …) is drawn, then played step by step. A step due after `now` has
   not happened yet, so older cases are mostly closed and recent ones sit in the open states. Some
   recent cases are held at a chosen open state so every queue has work in it.

`year.generate` draws and plays the whole year; `context` holds what it takes and gives, `words` what
people write, `teams` the grid teams.
"""
