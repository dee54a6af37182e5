"""Rasa interoperability: export the knowledge base and flows as a Rasa 3.6 project, and a rasa-sdk action server.

The export (`export`, `export_options`, `export_nlu`, `export_domain`, `forms`) needs only daoban's own dependencies.
`bot.rasa.actions` is the action server: it defines its rasa-sdk actions when rasa-sdk is installed (the environment
made by scripts/rasa_env.sh); their logic (`answers`, `forms`, `slots`) runs and is tested without it.
"""

from bot.rasa.export import build_project, export_project
from bot.rasa.export_options import ExportOptions, ExportReport

__all__ = ["ExportOptions", "ExportReport", "build_project", "export_project"]
