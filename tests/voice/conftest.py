from __future__ import annotations

from pathlib import Path

import pytest

from voice.vocab import load_vocabulary

DATA = Path(__file__).with_name("data")


@pytest.fixture(scope="session")
def vocabulary() -> list[str]:
    return load_vocabulary()


@pytest.fixture(scope="session")
def whisper(vocabulary: list[str], tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Whisper base reassembled from the installed packages into a fresh cache, loaded once."""
    from voice.asr_whisper import WhisperRecognizer, whisper_base_dir

    return WhisperRecognizer(whisper_base_dir(tmp_path_factory.mktemp("cache")), vocabulary=vocabulary)


@pytest.fixture(scope="session")
def assistant(engine):  # type: ignore[no-untyped-def]
    """The real assistant on the session's knowledge engine (tests/conftest.py)."""
    from bot.assistant import Assistant

    return Assistant(engine)


@pytest.fixture(scope="session")
def synthesizer():  # type: ignore[no-untyped-def]
    from voice.tts import Pyttsx3Synthesizer

    return Pyttsx3Synthesizer()
