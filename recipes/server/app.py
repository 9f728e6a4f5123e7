"""The FastAPI app: Prodigy's web-app routes (contract §6) around a :class:`Controller`, plus the page.

Routes are plain ``def`` functions, so FastAPI runs them in its thread pool and a slow database
commit never blocks the event loop; the controller's lock keeps the feed consistent.
"""
import base64
import binascii
import secrets
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List, Optional

from fastapi import Body, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from .controller import AnswerError, Controller, SessionError

STATIC_DIR = Path(__file__).parent / "static"
HIDDEN_CONFIG_KEYS = {"db_settings", "api_keys", "db", "feed_overlap_secret"}
NO_CACHE = {"Cache-Control": "no-store"}


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("prodigy-quotes")
    except Exception:  # not installed as a distribution (running from a checkout)
        return "0+checkout"


def _basic_auth_ok(header: Optional[str], user: str, password: str) -> bool:
    if not header or not header.lower().startswith("basic "):
        return False
    try:
        given = base64.b64decode(header[6:].strip()).decode("utf8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    given_user, _, given_pass = given.partition(":")
    return secrets.compare_digest(given_user, user) and secrets.compare_digest(given_pass, password)


def _session_error(err: SessionError) -> HTTPException:
    return HTTPException(status_code=403, detail=str(err))


def make_app(controller: Controller, basic_auth: Optional[tuple] = None) -> FastAPI:
    """The app serving ``controller``; ``basic_auth=(user, password)`` protects every route."""
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        controller.on_exit()

    app = FastAPI(title="prodigy-quotes annotation server", docs_url=None, redoc_url=None,
                  openapi_url=None, lifespan=lifespan)
    app.state.controller = controller
    version = _version()

    if basic_auth:
        user, password = basic_auth

        @app.middleware("http")
        async def require_auth(request: Request, call_next: Any) -> Response:
            if not _basic_auth_ok(request.headers.get("authorization"), user, password):
                return Response("Authentication required", status_code=401,
                                headers={"WWW-Authenticate": 'Basic realm="prodigy-quotes"'})
            return await call_next(request)

    def project(session_id: Optional[str] = None) -> Dict[str, Any]:
        config = {k: v for k, v in controller.config.items() if k not in HIDDEN_CONFIG_KEYS}
        instructions = config.get("instructions")
        if isinstance(instructions, str) and instructions and Path(instructions).is_file():
            config["instructions"] = Path(instructions).read_text(encoding="utf8")
        config.update({
            "dataset": controller.dataset,
            "view_id": controller.view_id,
            "batch_size": controller.batch_size,
            "version": version,
            "validate_answer": controller.validate_answer is not None,
        })
        if session_id is not None:
            try:
                config["session_id"] = controller.session_id_for(session_id)
            except SessionError as err:
                raise _session_error(err)
        return config

    @app.get("/", include_in_schema=False)
    @app.get("/index.html", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers=NO_CACHE)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/health")
    def health() -> Dict[str, str]:
        return {"status": "alive"}

    @app.get("/version")
    def get_version() -> Dict[str, str]:
        return {"name": "prodigy-quotes", "version": version, "license": "MIT"}

    @app.get("/project")
    def get_project() -> Dict[str, Any]:
        return project()

    @app.get("/project/{session_id}")
    def get_project_session(session_id: str) -> Dict[str, Any]:
        return project(session_id)

    def questions(session_id: Optional[str], held: Optional[List[int]] = None) -> Dict[str, Any]:
        try:
            tasks = controller.get_questions(session_id, held=held)
            status = controller.status(session_id)
        except SessionError as err:
            raise _session_error(err)
        return {"tasks": tasks, "total": status["total"], "progress": status["progress"],
                "session_id": status["session_id"], "session_total": status["session_total"],
                "remaining": status["remaining"]}

    @app.get("/get_questions")
    def get_questions() -> Dict[str, Any]:
        return questions(None)

    @app.post("/get_session_questions")
    def get_session_questions(body: Dict[str, Any] = Body(default={})) -> Dict[str, Any]:
        held = body.get("held")
        if held is not None and not isinstance(held, list):
            raise HTTPException(status_code=400, detail='"held" must be a list of task hashes')
        return questions(body.get("session_id"), held=held)

    @app.post("/give_answers")
    def give_answers(body: Dict[str, Any] = Body(...)) -> Any:
        answers = body.get("answers")
        if not isinstance(answers, list) or not all(isinstance(a, dict) for a in answers):
            raise HTTPException(status_code=400, detail='expected {"answers": [task, ...], "session_id": ...}')
        try:
            return controller.receive_answers(answers, body.get("session_id"))
        except SessionError as err:
            raise _session_error(err)
        except AnswerError as err:
            return JSONResponse({"detail": str(err), "errors": err.errors}, status_code=400)

    @app.post("/validate_answer")
    def validate_answer(body: Dict[str, Any] = Body(...)) -> Dict[str, Any]:
        answer = body.get("answer") if isinstance(body.get("answer"), dict) else body
        error = controller.validate(answer)
        return {"valid": error is None, "error": error}

    @app.post("/end_session")
    def end_session(body: Dict[str, Any] = Body(default={})) -> Dict[str, Any]:
        try:
            return controller.end_session(body.get("session_id"))
        except SessionError as err:
            raise _session_error(err)

    return app
