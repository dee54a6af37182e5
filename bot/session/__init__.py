"""Session state: the stores (memory, SQLite, Redis), per-session locks, sealed personal data."""
