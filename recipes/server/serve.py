"""Start the bundled annotation server for a recipe's components (used when Prodigy is not installed).

Settings, later ones winning: the recipe's ``config``, ``prodigy.json`` files (global, project,
``$PRODIGY_CONFIG``), ``$PRODIGY_HOST``/``$PRODIGY_PORT``, ``$PRODIGY_CONFIG_OVERRIDES`` and the
``config_overrides`` argument. Default address 127.0.0.1:8080.
"""

import os
import socket
import sys
from typing import Any, Dict, Optional, Tuple

from fastapi import FastAPI

from ..config import env_overrides, get_config
from ..errors import QuotesError
from .app import make_app
from .controller import Controller, allowed_sessions_from_env

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def resolve_config(
    recipe_config: Optional[Dict[str, Any]] = None, config_overrides: Optional[Dict[str, Any]] = None
) -> Dict[str, Any]:
    """The recipe's config merged with the settings files, the environment and explicit overrides."""
    config: Dict[str, Any] = {**(recipe_config or {}), **get_config()}
    if os.environ.get("PRODIGY_HOST"):
        config["host"] = os.environ["PRODIGY_HOST"]
    if os.environ.get("PRODIGY_PORT"):
        port = os.environ["PRODIGY_PORT"].strip()
        config["port"] = int(port) if port.isdigit() else port  # a bad value is reported by host_and_port
    config.update(env_overrides())  # the env JSON beats PRODIGY_HOST/PORT, as it beats the files
    config.update(config_overrides or {})
    return config


def host_and_port(config: Dict[str, Any]) -> Tuple[str, int]:
    """The address to listen on, checked (port 0 = any free port)."""
    host = str(config.get("host") or DEFAULT_HOST)
    raw = config.get("port", DEFAULT_PORT)
    try:
        port = int(raw)
    except (TypeError, ValueError):
        raise QuotesError(
            f"Invalid port {raw!r}", 'Set "port" in prodigy.json or PRODIGY_PORT to a number such as 8080.'
        )
    if not 0 <= port <= 65535:
        raise QuotesError(f"Invalid port {port}", "Use a port between 1 and 65535 (0 picks a free one).")
    return host, port


def basic_auth_from_env() -> Optional[Tuple[str, str]]:
    """``(user, password)`` when PRODIGY_BASIC_AUTH_USER and _PASS are both set; None when neither is."""
    user = os.environ.get("PRODIGY_BASIC_AUTH_USER")
    password = os.environ.get("PRODIGY_BASIC_AUTH_PASS")
    if not user and not password:
        return None
    if not user or not password:
        raise QuotesError(
            "Basic auth needs both PRODIGY_BASIC_AUTH_USER and PRODIGY_BASIC_AUTH_PASS",
            "Set both to protect the page, or unset both.",
        )
    return user, password


def build_app(
    components: Dict[str, Any],
    config_overrides: Optional[Dict[str, Any]] = None,
    config: Optional[Dict[str, Any]] = None,
) -> FastAPI:
    """The app for a recipe's components with settings and environment applied (no network yet)."""
    if not components.get("dataset"):
        raise QuotesError("The recipe returned no dataset", "Annotations need a dataset to be saved to.")
    config = config if config is not None else resolve_config(components.get("config"), config_overrides)
    allowed = allowed_sessions_from_env(os.environ.get("PRODIGY_ALLOWED_SESSIONS"))
    controller = Controller(components, config=config, allowed_sessions=allowed)
    return make_app(controller, basic_auth=basic_auth_from_env())


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, with a clear error when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this: a response is never held back waiting for a delayed ACK.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        raise QuotesError(
            f"Can't listen on {host}:{port}: {err.strerror}",
            "Another program (an earlier session?) may use the port. Stop it or pick another "
            'port: PRODIGY_PORT=8081 or "port" in prodigy.json.',
        ) from err
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(components: Dict[str, Any], config_overrides: Optional[Dict[str, Any]] = None) -> None:
    """Run the annotation server until Ctrl+C; every answer is saved as soon as the page sends it."""
    import uvicorn

    config = resolve_config(components.get("config"), config_overrides)
    host, port = host_and_port(config)
    app = build_app(components, config=config)
    controller: Controller = app.state.controller
    idle = controller.nothing_to_do()
    if idle and idle.startswith("every task"):
        print(f"✔ Nothing left to annotate: {idle}. Export with `quotes db-out {controller.dataset}`.", flush=True)
        return
    if idle:
        raise QuotesError(
            f"Nothing to annotate: {idle}", "Check the source: a .jsonl file of texts, .txt files or a folder."
        )
    sock = bind(host, port)
    port = sock.getsockname()[1]
    shown = "localhost" if host in ("0.0.0.0", "::") else host
    print(
        f"\n  Open http://{shown}:{port}/ in your browser to annotate dataset '{controller.dataset}'.\n"
        f"  Several annotators: http://{shown}:{port}/?session=NAME  ·  Stop with Ctrl+C.\n",
        flush=True,
    )
    verbose = os.environ.get("PRODIGY_LOGGING") in ("basic", "verbose")
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="info" if verbose else "warning", access_log=verbose, lifespan="on")
    )
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    print(f"  Stopped. Dataset '{controller.dataset}' holds {controller.stored()} answers.", file=sys.stderr)
