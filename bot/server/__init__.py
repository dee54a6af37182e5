"""What the service runs on: configuration, the service object, limits, logs, metrics, announcements, records.

The FastAPI application itself is assembled in `bot.channels.app` (`create_app`).
"""
