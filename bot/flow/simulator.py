"""Stand-in for the kiosk hardware and the police back-end: answers client actions with events.

A flow emits actions ({"type": "kiosk", "do": "read_id_card"}, {"type": "show_qr", ...}); a real kiosk answers with
events. The simulator answers with sample data so that every flow runs end to end in `daoban chat` and in tests.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

from knowledge.identifiers import id_check_digit

_BASE = "44030519900307123"
SAMPLE_ID = _BASE + id_check_digit(_BASE)
SAMPLE_VIOLATIONS: list[dict[str, Any]] = [
    {"no": "V2026101201", "time": "2026-10-12 08:15", "place": "示例大道与人民路交叉口",
     "behavior": "机动车不按交通信号灯规定通行", "points": 6, "fine": 200},
    {"no": "V2026110302", "time": "2026-11-03 17:42", "place": "示例区滨海路中段",
     "behavior": "机动车违反规定停放", "points": 0, "fine": 150},
]
SAMPLE_TRAVEL_RECORDS: list[dict[str, Any]] = [
    {"date": "2026-05-01", "port": "罗湖口岸", "direction": "出境"},
    {"date": "2026-05-04", "port": "罗湖口岸", "direction": "入境"},
]
SAMPLE_PROGRESS = {"status": "制证中", "status_en": "being produced", "eta": "预计5个工作日内可领取"}


class Simulator:
    """Maps an action to the event a kiosk or the back-end would send back; None when none comes back."""

    def __init__(self, id_number: str = SAMPLE_ID, violations: list[dict[str, Any]] | None = None) -> None:
        self.id_number = id_number
        self.violations = SAMPLE_VIOLATIONS if violations is None else violations
        self._orders = itertools.count(1)

    def answer(self, action: dict[str, Any]) -> dict[str, Any] | None:
        kind, do = action.get("type"), action.get("do")
        if kind == "show_qr":
            return {"type": "payment_done", "amount": action.get("amount"), "order_id": f"SIM{next(self._orders):06d}"}
        if kind == "print" or do == "print":
            return {"type": "printed", "document": action.get("document") or action.get("what", "receipt")}
        if kind == "kiosk":
            return self._kiosk(str(do), action)
        if kind == "backend":
            return self._backend(str(do), action)
        return None

    def _kiosk(self, do: str, action: dict[str, Any]) -> dict[str, Any] | None:
        if do == "read_id_card":
            return {"type": "id_card_read", "id_number": self.id_number, "name": "张*"}
        if do == "take_photo":
            return {"type": "photo_ok", "receipt": "PHOTO-SIM-0001"}
        if do == "read_permit":
            return {"type": "permit_read", "permit": action.get("permit", "hk_macau")}
        if do == "medical_check":
            return {"type": "medical_ok", "result": "合格"}
        if do == "fingerprint":
            return {"type": "fingerprint_ok"}
        if do == "face_check":
            return {"type": "face_ok"}
        if do == "write_endorsement":
            return {"type": "endorsement_written"}
        if do == "dispense":
            return {"type": "dispensed"}
        return None

    def _backend(self, do: str, action: dict[str, Any]) -> dict[str, Any] | None:
        if do == "query_violations":
            return {"type": "query_result", "violations": copy.deepcopy(self.violations)}
        if do == "query_travel_records":
            return {"type": "query_result", "records": copy.deepcopy(SAMPLE_TRAVEL_RECORDS)}
        if do == "query_progress":
            return {"type": "query_result", **SAMPLE_PROGRESS}
        if do == "submit":
            return {"type": "submitted", "receipt": f"SL{next(self._orders):08d}"}
        return {"type": "query_result"}
