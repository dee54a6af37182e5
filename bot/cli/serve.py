"""`daoban serve` (the HTTP/WebSocket service and the widget) and `daoban admin` (talks to a running service)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any


def cmd_serve(args: argparse.Namespace) -> int:
    from knowledge.cache import default_cache_dir
    from knowledge.pinyin_cache import install_pinyin

    install_pinyin(default_cache_dir())
    import uvicorn

    from bot.channels.app import create_app
    from bot.server.config import ConfigError, load_config
    from bot.server.limits import uvicorn_options
    from bot.server.logs import setup_logging

    try:
        demo = {"simulate": ["web", "kiosk", "robot", "terminal"]} if args.simulate else None
        config = load_config(args.config, host=args.host, port=args.port, store=args.store, dialogue=demo)
    except ConfigError as exc:
        print(f"daoban serve: {exc}", file=sys.stderr)
        return 2
    setup_logging(config.log_level, config.log_json)
    app = create_app(config)
    uvicorn.run(app, host=config.host, port=config.port, log_config=None, access_log=False,
                proxy_headers=config.rate_limit.trust_forwarded, server_header=False,
                timeout_graceful_shutdown=10, **uvicorn_options(config))
    return 0 if app.state.service.failure is None else 1


def _admin_request(args: argparse.Namespace, method: str, path: str, **params: Any) -> int:
    import httpx

    token = args.token or os.environ.get("DAOBAN_ADMIN_TOKEN")
    if not token:
        print("daoban admin: give --token or set DAOBAN_ADMIN_TOKEN", file=sys.stderr)
        return 2
    try:
        response = httpx.request(method, args.url.rstrip("/") + path, params=params or None, timeout=120,
                                 headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        print(f"daoban admin: cannot reach {args.url}: {exc}", file=sys.stderr)
        return 1
    if response.headers.get("content-type", "").startswith("application/json"):
        print(json.dumps(response.json(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(response.text)
    return 0 if response.is_success else 1


def cmd_admin_reload(args: argparse.Namespace) -> int:
    return _admin_request(args, "POST", "/admin/reload")


def cmd_admin_unanswered(args: argparse.Namespace) -> int:
    return _admin_request(args, "GET", "/admin/unanswered", format=args.format)


def cmd_admin_feedback(args: argparse.Namespace) -> int:
    return _admin_request(args, "GET", "/admin/feedback", format=args.format)


def cmd_admin_analytics(args: argparse.Namespace) -> int:
    return _admin_request(args, "GET", "/admin/analytics")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the HTTP/WebSocket service with the web widget")
    p.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8000)")
    p.add_argument("--config", type=Path, default=None, help="YAML or TOML settings file (see docs/service.md)")
    p.add_argument("--store", choices=("memory", "sqlite", "redis"), default=None, help="session store")
    p.add_argument("--simulate", action="store_true",
                   help="let the built-in simulator answer kiosk actions on every channel (demo only)")
    p.set_defaults(func=cmd_serve)

    admin = sub.add_parser("admin", help="operate a running service (needs the admin token)")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    commands = (("reload", "validate and reload the knowledge base and flows", cmd_admin_reload, False),
                ("unanswered", "export the unanswered-question log", cmd_admin_unanswered, True),
                ("feedback", "export the answer feedback", cmd_admin_feedback, True),
                ("analytics", "turns, top items, hand-over rate, unanswered by day", cmd_admin_analytics, False))
    for name, help_text, func, exports in commands:
        q = admin_sub.add_parser(name, help=help_text)
        q.add_argument("--url", default="http://127.0.0.1:8000", help="the service's base URL")
        q.add_argument("--token", default=None, help="admin token (default: $DAOBAN_ADMIN_TOKEN)")
        if exports:
            q.add_argument("--format", choices=("json", "csv", "jsonl"), default="csv")
        q.set_defaults(func=func)
