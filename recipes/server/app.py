"""The FastAPI app: Prodigy's web-app routes (/project, /get_session_questions, /give_answers, ...) around a :class:`Controller`, plus the page.

Controller calls run in FastAPI's thread pool when they may take long (a lazy stream that runs a
model, an ``update`` callback); otherwise directly on the event loop, which saves two thread
switches per request (about 4x the throughput). The controller's lock keeps the feed consistent.
"""

import asyncio
import base64
import binascii
import json
import secrets
import sys
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List, Optional

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
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


def _basic_auth_ok(header: Optional[str], user: str, password: str) -> bool:
    if not header or not header.lower().startswith("basic "):
        return False
    try:
        given = base64.b64decode(header[6:].strip()).decode("utf8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    given_user, _, given_pass = given.partition(":")
    return secrets.compare_digest(given_user, user) and secrets.compare_digest(given_pass, password)


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


async def _json_body(request: Request) -> Dict[str, Any]:
    """The request's JSON object ({} when empty), or a 400 saying what is wrong."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = orjson.loads(raw) if orjson is not None else json.loads(raw)
    except ValueError:
        raise HTTPException(status_code=400, detail="The request body is not valid JSON.")
    if not isinstance(data, dict):
        raise HTTPException(status_code=400, detail="The request body must be a JSON object.")
    return data


def _session_error(err: SessionError) -> HTTPException:
    return HTTPException(status_code=403, detail=str(err))


def _session_id(body: Dict[str, Any]) -> Optional[str]:
    """The body's ``session_id`` (a name or a full id, or null for the default session), or a 400."""
    value = body.get("session_id")
    if value is not None and not isinstance(value, str):
        raise HTTPException(status_code=400, detail=f'"session_id" must be a string or null, not {value!r}')
    return value


def _held(body: Dict[str, Any]) -> Optional[List[int]]:
    """The body's ``held`` list of task hashes (the tasks the page still has), or a 400."""
    held = body.get("held")
    if held is not None and (not isinstance(held, list) or not all(isinstance(h, int) for h in held)):
        raise HTTPException(status_code=400, detail='"held" must be a list of task hashes (integers)')
    return held


def make_app(controller: Controller, basic_auth: Optional[tuple] = None) -> FastAPI:
    """The app serving ``controller``; ``basic_auth=(user, password)`` protects every route."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        controller.on_exit()

    app = FastAPI(
        title="prodigy-quotes annotation server", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.controller = controller
    version = _version()

    if basic_auth:
        user, password = basic_auth

        @app.middleware("http")
        async def require_auth(request: Request, call_next: Any) -> Response:
            if not _basic_auth_ok(request.headers.get("authorization"), user, password):
                return Response(
                    "Authentication required",
                    status_code=401,
                    headers={"WWW-Authenticate": 'Basic realm="prodigy-quotes"'},
                )
            return await call_next(request)

    def project(session_id: Optional[str] = None) -> Dict[str, Any]:
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

    async def call(fn: Any, *args: Any) -> Any:
        """Run a controller call on the event loop when it can't block (no thread hop), else in the pool."""
        if controller.never_blocks:
            return fn(*args)
        return await run_in_threadpool(fn, *args)

    def questions(session_id: Optional[str], held: Optional[List[int]] = None) -> Dict[str, Any]:
        try:
            tasks = controller.get_questions(session_id, held=held)
            status = controller.status(session_id)
        except SessionError as err:
            raise _session_error(err)
        except QuotesError as err:  # bad input met while reading the stream
            print(f"✘ {err}", file=sys.stderr, flush=True)
            raise HTTPException(status_code=500, detail=f"The recipe's input has a problem: {err}")
        return {"tasks": tasks, **status}

    @app.get("/get_questions")
    async def get_questions() -> Response:
        return FastJSONResponse(await call(questions, None))

    @app.post("/get_session_questions")
    async def get_session_questions(request: Request) -> Response:
        body = await _json_body(request)
        return FastJSONResponse(await call(questions, _session_id(body), _held(body)))

    @app.post("/keep_alive")
    async def keep_alive(request: Request) -> Response:
        """The page is open (its tasks stay its own); the answer lists the tasks it should drop (``stale``)."""
        body = await _json_body(request)
        try:
            return FastJSONResponse(await call(controller.keep_alive, _session_id(body), _held(body)))
        except SessionError as err:
            raise _session_error(err)

    @app.post("/give_answers")
    async def give_answers(request: Request) -> Response:
        body = await _json_body(request)
        answers = body.get("answers")
        if not isinstance(answers, list) or not all(isinstance(a, dict) for a in answers):
            raise HTTPException(status_code=400, detail='expected {"answers": [task, ...], "session_id": ...}')
        try:
            batch = await call(controller.prepare_answers, answers, _session_id(body))
        except SessionError as err:
            raise _session_error(err)
        except AnswerError as err:
            return FastJSONResponse({"detail": str(err), "errors": err.errors}, status_code=400)
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

    @app.post("/validate_answer")
    async def validate_answer(request: Request) -> Response:
        body = await _json_body(request)
        answer = body.get("answer") if isinstance(body.get("answer"), dict) else body
        error = await call(controller.validate, answer)
        return FastJSONResponse({"valid": error is None, "error": error})

    @app.post("/resolve_speakers")
    async def resolve_speakers(request: Request) -> Response:
        """Who each quote's speaker is (the page shows the name next to the mention): {"task": {...}}."""
        from ..resolve import resolve_task

        body = await _json_body(request)
        task = body.get("task")
        if not isinstance(task, dict) or not isinstance(task.get("text"), str):
            raise HTTPException(
                status_code=400, detail='expected {"task": {"text": ..., "spans": ..., "relations": ...}}'
            )
        try:
            found = resolve_task(task, str(controller.config.get("lang") or "de"))
        except (KeyError, TypeError) as err:
            raise HTTPException(status_code=400, detail=f"The task's spans or relations are malformed: {err}")
        return FastJSONResponse(
            {
                "speakers": [
                    {"start": r.quote[0], "end": r.quote[1], "name": r.name, "resolved": r.resolved, "id": r.speaker_id}
                    for r in found
                ]
            }
        )

    @app.post("/end_session")
    async def end_session(request: Request) -> Response:
        body = await _json_body(request)
        try:
            return FastJSONResponse(await call(controller.end_session, _session_id(body)))
        except SessionError as err:
            raise _session_error(err)

    return app
