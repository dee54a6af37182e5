"""Offline voice for kiosks and lobby robots: speech recognition (faster-whisper, vosk), turn-taking, spoken-number
normalisation and speech synthesis (pyttsx3). Heavy models load only when a recogniser or synthesiser is made."""

from voice.asr import Recognizer, RecognizerStream, Transcript, load_recognizer
from voice.audio import SAMPLE_RATE, AudioError, read_wav, write_wav
from voice.loop import AssistantLike, TurnResult, VoiceLoop, VoiceSession
from voice.numbers import Understood, is_valid_id, parse_id, parse_plate, understand
from voice.stream import VoiceStream
from voice.tts import PromptCache, Pyttsx3Synthesizer, speech_text
from voice.vad import Endpointer
from voice.vocab import build_prompt, load_vocabulary

__all__ = [
    "SAMPLE_RATE",
    "AssistantLike",
    "AudioError",
    "Endpointer",
    "PromptCache",
    "Pyttsx3Synthesizer",
    "Recognizer",
    "RecognizerStream",
    "Transcript",
    "TurnResult",
    "Understood",
    "VoiceLoop",
    "VoiceSession",
    "VoiceStream",
    "build_prompt",
    "is_valid_id",
    "load_recognizer",
    "load_vocabulary",
    "parse_id",
    "parse_plate",
    "read_wav",
    "speech_text",
    "understand",
    "write_wav",
]
