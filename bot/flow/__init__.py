"""Kiosk flows as data: the schema, the loader with its checks, and the runner that steps through them."""
