"""The heartbeat sweep: a device silent for two heartbeat periods is marked offline and a "device
offline" case (设备离线) is opened for its owner unit; its next message ends the episode (ingest.py).
Run by `citysteward sensors sweep` and every minute by the subscriber."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from citysteward.cases.services.intake import ReportInput, report_within
from citysteward.kernel.errors import DomainError
from citysteward.org.services import accounts
from citysteward.platform.runtime import Runtime
from citysteward.sensors.domain import MISSED_BEATS, OFFLINE, DeviceState, Episode
from citysteward.sensors.ports import unit_of_work
from citysteward.sensors.services.devices import MIN_HEARTBEAT_S
from citysteward.sensors.services.ingest import SENSOR

BATCH = 200


@dataclass(frozen=True, slots=True)
class SweepResult:
    checked: int
    offline: tuple[str, ...]  # case numbers opened
    failed: tuple[str, ...] = ()  # device codes whose case could not be raised (see the rejects count)


def sweep_offline(rt: Runtime) -> SweepResult:
    now = rt.now()
    # Candidates silent longer than the shortest possible limit; each device's own period decides.
    before = now - timedelta(seconds=MIN_HEARTBEAT_S * MISSED_BEATS)
    opened: list[str] = []
    failed: list[str] = []
    with unit_of_work(rt, readonly=True) as uow:
        candidates = [d.code for d in uow.sensors.silent_devices(before, 10_000) if d.offline_since(now)]
    names = accounts.unit_names(rt)
    for i in range(0, len(candidates), BATCH):
        with unit_of_work(rt) as uow:
            for device in uow.sensors.devices_for_update(candidates[i:i + BATCH]).values():
                since = device.offline_since(now)
                if since is None or device.state is DeviceState.OFFLINE or device.id is None:
                    continue  # heard from meanwhile, or already marked
                rule = device.rules[0]
                local = since.astimezone(rt.settings.tz).strftime("%Y-%m-%d %H:%M")
                owner = names.get(device.owner_unit_id, str(device.owner_unit_id))
                data = ReportInput(
                    category_code=rule.category_code, lon=device.lon or 0.0, lat=device.lat or 0.0,
                    address=device.address, source="sensor",
                    description=(f"设备离线：{device.kind.label}「{device.name}」（{device.code}）自 {local} 起未上报，"
                                 f"心跳周期 {device.heartbeat_s // 60} 分钟，已连续 {MISSED_BEATS} 次未收到；"
                                 f"请权属单位「{owner}」检查设备"),
                    attributes={"sensor_device": device.code, "alarm": OFFLINE, "owner_unit_id": device.owner_unit_id})
                try:
                    result = report_within(rt, uow, data, SENSOR)
                except DomainError:
                    failed.append(device.code)
                    continue
                uow.sensors.add_episode(Episode(device.id, OFFLINE, now, now, 1, None, result.id, result.case_no))
                device.state = DeviceState.OFFLINE
                uow.sensors.update_device(device)
                opened.append(result.case_no)
            uow.commit()
    return SweepResult(len(candidates), tuple(opened), tuple(failed))
