"""Idempotency-Key bookkeeping for intake (rules: domain/idempotency.py). Intake's writer claims a
batch's keys before it writes any case and keeps the answers in the same transaction, so a retry sees
either nothing (and is written) or the whole first answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from citysteward.cases.domain import idempotency
from citysteward.cases.domain.idempotency import IdempotencyKey
from citysteward.cases.ports import CasesUnitOfWork, unit_of_work
from citysteward.kernel.errors import Conflict
from citysteward.platform.runtime import Runtime

PRUNE_EVERY = timedelta(minutes=10)
PRUNE_BATCH = 5000


def ttl(rt: Runtime) -> timedelta:
    return timedelta(hours=rt.settings.idempotency_ttl_hours)


def first_answer(rt: Runtime, key: IdempotencyKey) -> dict[str, Any] | None:
    """The answer kept for a retry (read before anything is validated), or None."""
    with unit_of_work(rt, readonly=True) as uow:
        stored = uow.idempotency.find(*key.ident)
    if stored is None or stored.response is None or idempotency.expired(stored, rt.now(), ttl(rt)):
        return None
    return idempotency.replay(stored, key)


@dataclass(frozen=True, slots=True)
class Claims:
    """What claiming a batch's keys found: answers kept for items already written elsewhere, and items
    that repeat an earlier item's key in the same batch ({index: index of the first})."""

    answers: dict[int, dict[str, Any]]
    repeats: dict[int, int]


def claim(rt: Runtime, uow: CasesUnitOfWork, keys: Sequence[IdempotencyKey | None]) -> Claims:
    """Claim the keys inside the writer's transaction; the database makes a racing transaction's claim
    of the same key wait until that one commits or rolls back."""
    firsts: dict[tuple[str, str], int] = {}
    repeats: dict[int, int] = {}
    for i, key in enumerate(keys):
        if key is not None:
            if key.ident in firsts:
                idempotency.check_same_request(_at(keys, firsts[key.ident]).request_hash, key)
                repeats[i] = firsts[key.ident]
            else:
                firsts[key.ident] = i
    answers: dict[int, dict[str, Any]] = {}
    if not firsts:
        return Claims(answers, repeats)
    now = rt.now()
    claimed = uow.idempotency.claim([_at(keys, i) for i in firsts.values()], now)
    for ident, i in firsts.items():
        if ident in claimed:
            continue
        stored = uow.idempotency.find(*ident)
        if stored is not None and idempotency.expired(stored, now, ttl(rt)):  # not pruned yet: free again
            uow.idempotency.forget(*ident)
            if uow.idempotency.claim([_at(keys, i)], now):
                continue
            stored = uow.idempotency.find(*ident)
        if stored is None or stored.response is None:  # cannot be: a lost claim saw a committed key
            raise Conflict(f"同一 {idempotency.HEADER} 的上报正在处理，请稍后重试", {"field": idempotency.HEADER})
        answers[i] = idempotency.replay(stored, _at(keys, i))
    return Claims(answers, repeats)


def remember(uow: CasesUnitOfWork, answered: Sequence[tuple[IdempotencyKey, dict[str, Any]]]) -> None:
    """Keep the answers of the keys this transaction claimed."""
    if answered:
        uow.idempotency.complete([(key, key.status, answer) for key, answer in answered])


@dataclass
class _PruneClock:
    due: datetime | None = None


def prune(rt: Runtime, uow: CasesUnitOfWork) -> None:
    """Forget expired keys: at most every few minutes per worker, inside the writer's transaction."""
    clock = rt.singleton("idempotency_prune", _PruneClock)
    now = rt.now()
    if clock.due is not None and now < clock.due:
        return
    clock.due = now + PRUNE_EVERY
    uow.idempotency.prune(now - ttl(rt), PRUNE_BATCH)


def _at(keys: Sequence[IdempotencyKey | None], i: int) -> IdempotencyKey:
    key = keys[i]
    assert key is not None
    return key
