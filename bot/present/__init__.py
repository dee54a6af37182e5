"""Rendering for the citizen: answers, cards and system messages in zh-Hans, zh-Hant and English."""
