"""Rasa interoperability: export the knowledge base and flows as a Rasa 3.6 project, and a rasa-sdk action server.

`bot.rasa.export` needs only daoban's own dependencies; `bot.rasa.actions` imports rasa-sdk when it is installed
(the action server environment made by scripts/rasa_env.sh) and otherwise offers its pure helpers alone.
"""

from bot.rasa.export import ExportOptions, ExportReport, build_project, export_project

__all__ = ["ExportOptions", "ExportReport", "build_project", "export_project"]
