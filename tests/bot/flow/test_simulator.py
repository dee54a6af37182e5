from bot.flow.simulator import SAMPLE_ID, Simulator
from bot.flow.validators import validate_id_number


def test_answers() -> None:
    sim = Simulator()
    assert validate_id_number(SAMPLE_ID).ok
    assert sim.answer({"type": "kiosk", "do": "read_id_card"}) == {"type": "id_card_read", "id_number": SAMPLE_ID,
                                                                     "name": "张*"}
    assert sim.answer({"type": "kiosk", "do": "take_photo"})["type"] == "photo_ok"  # type: ignore[index]
    paid = sim.answer({"type": "show_qr", "amount": 40})
    assert paid is not None and paid["type"] == "payment_done" and paid["amount"] == 40
    assert sim.answer({"type": "print", "document": "回执"}) == {"type": "printed", "document": "回执"}
    result = sim.answer({"type": "backend", "do": "query_violations"})
    assert result is not None and {"time", "place", "points", "fine"} <= set(result["violations"][0])
    assert sim.answer({"type": "robot", "go_to": "window-1"}) is None


def test_violations_are_copies() -> None:
    sim = Simulator()
    first = sim.answer({"type": "backend", "do": "query_violations"})
    assert first is not None
    first["violations"].clear()
    again = sim.answer({"type": "backend", "do": "query_violations"})
    assert again is not None and again["violations"]
