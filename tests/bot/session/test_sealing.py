from pathlib import Path

from bot.session.sealing import Sealer, is_sealed


def test_round_trip_and_no_clear_digits() -> None:
    sealer = Sealer.random()
    sealed = sealer.seal("11010519491231002X")
    assert is_sealed(sealed) and "11010519491231002X" not in sealed
    assert sealer.open(sealed) == "11010519491231002X"


def test_other_key_or_tampering_gives_none() -> None:
    sealed = Sealer.random().seal("13812345678")
    assert Sealer.random().open(sealed) is None
    assert Sealer.random().open(sealed[:-2] + "AA") is None


def test_key_file_is_reused(tmp_path: Path) -> None:
    key = tmp_path / "k" / "session.key"
    sealed = Sealer.from_file(key).seal("x")
    assert Sealer.from_file(key).open(sealed) == "x"
    assert key.stat().st_mode & 0o077 == 0
