"""Thin adapters between the wire and a turn: HTTP, WebSocket, voice WebSocket, Rasa REST, admin, static files."""
