"""Column types shared by both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; SQLite keeps naive UTC text."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: CitySteward stores aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        """SQLite's naive UTC text straight to an aware datetime in one call per value (a ledger page
        reads hundreds); PostgreSQL's aware values as they are when already in UTC, else through
        `process_result_value`."""
        if dialect.name != "sqlite":
            driver = self.impl_instance.dialect_impl(dialect).result_processor(dialect, coltype)

            def aware(value: Any) -> datetime | None:  # psycopg's values come aware already
                if driver is not None:
                    value = driver(value)
                if value is None or value.tzinfo is UTC:
                    return value
                return self.process_result_value(value, dialect)

            return aware
        parse = datetime.fromisoformat

        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            if isinstance(value, str):
                try:  # one C call: a quarter of parse-then-replace(tzinfo=...), hundreds per ledger page
                    moment = parse(value + "+00:00")
                except ValueError:  # text with an offset already (written by hand, not by us)
                    moment = parse(value)
                return moment if moment.tzinfo is UTC else self.process_result_value(moment, dialect)
            return self.process_result_value(value, dialect)

        return process

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
