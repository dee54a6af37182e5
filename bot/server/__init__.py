"""The daoban service: HTTP, WebSocket and Rasa-compatible channels, the web widget, operations."""

from bot.server.app import create_app

__all__ = ["create_app"]
