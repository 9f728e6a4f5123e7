"""The FastAPI app: Prodigy's web-app routes (/project, /get_session_questions, /give_answers, ...) around a
:class:`Controller`, plus the page. Two routers (the page; Prodigy's routes), Pydantic request bodies, exception
handlers for the controller's errors and an HTTP Basic dependency. The server knows nothing of quotes: a recipe
adds what it needs as Prodigy event hooks (``components["event_hooks"]``, served at ``POST /event/{name}``).

Controller calls run in FastAPI's thread pool when they may take long (a lazy stream that runs a
model, an ``update`` callback); otherwise directly on the event loop, which saves two thread
switches per request (about 4x the throughput). The controller's lock keeps the feed consistent.
"""

import asyncio
import json
import secrets
import sys
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Coroutine, Dict, List, Optional, Tuple

from fastapi import APIRouter, Body, Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, StrictInt, StrictStr
from starlette.concurrency import run_in_threadpool

from ..errors import QuotesError
from .controller import AnswerError, Controller, SessionError

try:  # optional: faster JSON for large tasks
    import orjson
except ImportError:  # pragma: no cover - depends on the environment
    orjson = None  # type: ignore[assignment]

STATIC_DIR = Path(__file__).parent / "static"
HIDDEN_CONFIG_KEYS = {"db_settings", "api_keys", "db"}
NO_CACHE = {"Cache-Control": "no-store"}


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("prodigy-quotes")
    except Exception:  # not installed as a distribution (running from a checkout)
        return "0+checkout"


class FastJSONResponse(Response):
    """JSON without FastAPI's per-value encoder walk: tasks are plain JSON already."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        if orjson is not None:
            try:
                return orjson.dumps(content)
            except TypeError:  # e.g. an integer beyond 64 bits in a task's meta
                pass
        return json.dumps(content, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf8")


class _FastJSONRequest(Request):
    """A request whose JSON body is read with orjson where installed (tasks of many tokens parse 3-5x faster)."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            raw = await self.body()
            self._json = orjson.loads(raw) if orjson is not None else json.loads(raw)
        return self._json


class FastJSONRoute(APIRoute):
    """A route that reads its body with :class:`_FastJSONRequest`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            return await handler(_FastJSONRequest(request.scope, request.receive))

        return route


class SessionBody(BaseModel):
    """A session's request: its ``session_id`` (a name or a full id; null: the default session) and, where the page
    says it, the task hashes it still ``held`` (after a restart, or while it is open)."""

    session_id: Optional[StrictStr] = None
    held: Optional[List[StrictInt]] = None


class AnswersBody(BaseModel):
    """A batch of answers: ``{"answers": [task, ...], "session_id": ...}``."""

    answers: List[Dict[str, Any]]
    session_id: Optional[StrictStr] = None


def _error(status: int, detail: str, **extra: Any) -> Response:
    return FastJSONResponse({"detail": detail, **extra}, status_code=status)


def add_error_handlers(app: FastAPI) -> None:
    """What the controller's errors and a malformed request become: 403, 400 with what is wrong."""

    @app.exception_handler(SessionError)
    async def session_refused(_request: Request, err: SessionError) -> Response:
        return _error(403, str(err))

    @app.exception_handler(AnswerError)
    async def answers_refused(_request: Request, err: AnswerError) -> Response:
        return _error(400, str(err), errors=err.errors)

    @app.exception_handler(RequestValidationError)
    async def malformed(_request: Request, err: RequestValidationError) -> Response:
        problems = []
        for e in err.errors():
            where = ".".join(str(part) for part in e.get("loc", ()) if part != "body")
            problems.append(f'"{where}": {e.get("msg")}' if where else str(e.get("msg")))
        return _error(400, "The request is malformed: " + "; ".join(problems))


def require_basic_auth(user: str, password: str) -> Callable[..., None]:
    """A dependency that lets a request through only with these HTTP Basic credentials."""
    scheme = HTTPBasic(auto_error=False, realm="prodigy-quotes")

    def check(credentials: Optional[HTTPBasicCredentials] = Depends(scheme)) -> None:
        if credentials is None or not (
            secrets.compare_digest(credentials.username.encode("utf8"), user.encode("utf8"))
            and secrets.compare_digest(credentials.password.encode("utf8"), password.encode("utf8"))
        ):
            raise HTTPException(
                status_code=401,
                detail="Authentication required",
                headers={"WWW-Authenticate": 'Basic realm="prodigy-quotes"'},
            )

    return check


def page_router() -> APIRouter:
    """The annotation page and its files."""
    router = APIRouter()

    @router.get("/", include_in_schema=False)
    @router.get("/index.html", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers=NO_CACHE)

    @router.get("/static/{name:path}", include_in_schema=False)
    def static(name: str) -> FileResponse:
        path = (STATIC_DIR / name).resolve()
        if STATIC_DIR.resolve() not in path.parents or not path.is_file():
            raise HTTPException(status_code=404, detail=f"No file {name!r}")
        return FileResponse(path)

    return router


def prodigy_router(controller: Controller) -> APIRouter:
    """Prodigy's web-app routes around ``controller``, and ``/event/{name}`` for the recipe's event hooks."""
    router = APIRouter(route_class=FastJSONRoute)
    version = _version()

    async def call(fn: Any, *args: Any) -> Any:
        """Run a controller call on the event loop when it can't block (no thread hop), else in the pool."""
        if controller.never_blocks:
            return fn(*args)
        return await run_in_threadpool(fn, *args)

    @router.get("/health")
    def health() -> Dict[str, str]:
        return {"status": "alive"}

    @router.get("/version")
    def get_version() -> Dict[str, str]:
        return {"name": "prodigy-quotes", "version": version, "license": "MIT"}

    @router.get("/project")
    def get_project() -> Dict[str, Any]:
        return _project(controller, version)

    @router.get("/project/{session_id}")
    def get_project_session(session_id: str) -> Dict[str, Any]:
        return _project(controller, version, session_id)

    @router.get("/get_questions")
    async def get_questions() -> Response:
        return FastJSONResponse(await call(_questions, controller, None, None))

    @router.post("/get_session_questions")
    async def get_session_questions(body: Optional[SessionBody] = None) -> Response:
        body = body or SessionBody()
        return FastJSONResponse(await call(_questions, controller, body.session_id, body.held))

    @router.post("/keep_alive")
    async def keep_alive(body: Optional[SessionBody] = None) -> Response:
        """The page is open (its tasks stay its own); the answer lists the tasks it should drop (``stale``)."""
        body = body or SessionBody()
        return FastJSONResponse(await call(controller.keep_alive, body.session_id, body.held))

    @router.post("/give_answers")
    async def give_answers(body: AnswersBody) -> Response:
        batch = await call(controller.prepare_answers, body.answers, body.session_id)
        try:  # acknowledged only once committed, together with other sessions' answers
            await asyncio.wrap_future(controller.write(batch))
        except Exception as err:
            controller.release(batch)
            print(f"✘ Could not save {len(batch.to_store)} answers: {err}", file=sys.stderr, flush=True)
            raise HTTPException(
                status_code=500,
                detail=f"The answers could not be saved: {err}. They are kept in the page; it will retry.",
            )
        return FastJSONResponse(await call(controller.finish_answers, batch))

    @router.post("/validate_answer")
    async def validate_answer(body: Dict[str, Any] = Body(default={})) -> Response:
        answer = body.get("answer") if isinstance(body.get("answer"), dict) else body
        error = await call(controller.validate, answer)
        return FastJSONResponse({"valid": error is None, "error": error})

    @router.post("/end_session")
    async def end_session(body: Optional[SessionBody] = None) -> Response:
        return FastJSONResponse(await call(controller.end_session, (body or SessionBody()).session_id))

    @router.post("/event/{name}")
    async def event(name: str, body: Dict[str, Any] = Body(default={})) -> Response:
        """A recipe's event hook (``components["event_hooks"][name](controller, **payload)``): its return value, or
        a 400 with its message when it refuses the payload (``ValueError``)."""
        hook = (controller.components.get("event_hooks") or {}).get(name)
        if hook is None:
            raise HTTPException(status_code=404, detail=f"The recipe has no event hook {name!r}.")
        try:
            return FastJSONResponse(await call(lambda: hook(controller, **body)))
        except (TypeError, ValueError) as err:
            raise HTTPException(status_code=400, detail=f"The event {name!r} refused its payload: {err}")

    return router


def _project(controller: Controller, version: str, session_id: Optional[str] = None) -> Dict[str, Any]:
    """The merged config the page starts from (Prodigy's ``/project``), without the database settings."""
    config = {k: v for k, v in controller.config.items() if k not in HIDDEN_CONFIG_KEYS}
    instructions = config.get("instructions")
    if isinstance(instructions, str) and instructions and Path(instructions).is_file():
        config["instructions"] = Path(instructions).read_text(encoding="utf8")
    config.update(
        {
            "dataset": controller.dataset,
            "view_id": controller.view_id,
            "batch_size": controller.batch_size,
            "version": version,
            "validate_answer": controller.validate_answer is not None,
        }
    )
    if session_id is not None:
        config["session_id"] = controller.session_id_for(session_id)
    return config


def _questions(controller: Controller, session_id: Optional[str], held: Optional[List[int]]) -> Dict[str, Any]:
    """The next tasks of a session with its progress; bad input met in the stream is a 500 that says so."""
    try:
        tasks = controller.get_questions(session_id, held=held)
    except QuotesError as err:  # bad input met while reading the stream
        print(f"✘ {err}", file=sys.stderr, flush=True)
        raise HTTPException(status_code=500, detail=f"The recipe's input has a problem: {err}")
    return {"tasks": tasks, **controller.status(session_id)}


def make_app(controller: Controller, basic_auth: Optional[Tuple[str, str]] = None) -> FastAPI:
    """The app serving ``controller``: the page and Prodigy's routes; ``basic_auth=(user, password)`` protects
    every route."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        controller.on_exit()

    dependencies = [Depends(require_basic_auth(*basic_auth))] if basic_auth else []
    app = FastAPI(
        title="prodigy-quotes annotation server",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
        dependencies=dependencies,
    )
    app.state.controller = controller
    add_error_handlers(app)
    app.include_router(page_router())
    app.include_router(prodigy_router(controller))
    return app
