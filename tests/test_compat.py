"""With a ``prodigy`` module importable, the compat layer hands its API to our recipes.

The stand-in package exposes only the documented API (``prodigy.recipe``,
``prodigy.util.set_hashes``, ``prodigy.components.db.connect``) and records every call, so the
test fails if our code bypasses it or needs anything undocumented. It runs in a subprocess so
the stand-in never leaks into other tests.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

STANDIN = {
    "prodigy/__init__.py": """
        CALLS = []
        REGISTERED = {}

        def recipe(name, **args):
            def decorator(func):
                CALLS.append(("recipe", name))
                REGISTERED[name] = (func, args)
                return func
            return decorator
    """,
    "prodigy/util.py": """
        import prodigy

        def set_hashes(task, input_keys=None, task_keys=None, ignore=None, overwrite=False):
            prodigy.CALLS.append(("set_hashes", task.get("text")))
            task.setdefault("_input_hash", 11)
            task.setdefault("_task_hash", 22)
            return task
    """,
    "prodigy/components/__init__.py": "",
    "prodigy/components/db.py": """
        import prodigy

        class StandInDB:
            db_id, db_name = "standin", "Stand-in"
            def __init__(self):
                self.examples, self.names = [], {}
            def __contains__(self, name):
                return name in self.names
            @property
            def datasets(self):
                return [n for n, s in self.names.items() if not s]
            @property
            def sessions(self):
                return [n for n, s in self.names.items() if s]
            def add_dataset(self, name, meta=None, session=False):
                self.names.setdefault(name, session)
            def add_examples(self, examples, datasets=()):
                self.examples += [(dict(eg), tuple(datasets)) for eg in examples]
            def get_input_hashes(self, *names):
                prodigy.CALLS.append(("get_input_hashes", names))
                return set()
            def get_dataset(self, name, default=None):
                return [eg for eg, ds in self.examples if name in ds]

        DB = StandInDB()

        def connect(db_id=None, db_settings=None):
            prodigy.CALLS.append(("connect", db_id))
            return DB
    """,
}

SCRIPT = """
    import json, sys
    import prodigy
    from prodigy_quotes import compat
    assert compat.HAS_PRODIGY
    import prodigy_quotes.quotes  # registers everything, with the stand-in too
    from prodigy_quotes.annotate import quotes_manual
    from prodigy_quotes.dbcommands import db_in, db_out

    registered = sorted(prodigy.REGISTERED)
    func, args = prodigy.REGISTERED["quotes.manual"]
    assert func is quotes_manual  # the plain function comes back

    components = quotes_manual("ds", "blank:de", sys.argv[1], exclude=["old"])
    task = next(components["stream"])
    db_in("imported", sys.argv[2])
    db_out("imported")
    from prodigy.components.db import DB
    print(json.dumps({
        "registered": registered,
        "calls": [c[0] for c in prodigy.CALLS],
        "hash_args": [c[1] for c in prodigy.CALLS if c[0] == "get_input_hashes"],
        "task_hashes": [task["_input_hash"], task["_task_hash"]],
        "stored": [[eg["text"], eg["_input_hash"], list(ds)] for eg, ds in DB.examples],
        "arg_type": type(args["exclude"]).__name__,
    }))
"""


def test_standin_prodigy_is_used_when_importable(tmp_path: Path) -> None:
    for rel, code in STANDIN.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code), encoding="utf8")
    docs = tmp_path / "docs.jsonl"
    docs.write_text(json.dumps({"text": "„Ja“, sagte sie."}, ensure_ascii=False) + "\n", encoding="utf8")
    answers = tmp_path / "answers.jsonl"
    answers.write_text(json.dumps({"text": "Nichts gesagt.", "answer": "accept"}) + "\n", encoding="utf8")
    repo = Path(__file__).resolve().parents[1]
    paths = [str(tmp_path), str(repo)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT), str(docs), str(answers)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert {"quotes.manual", "quotes.correct", "quotes.review", "quotes.export"} <= set(result["registered"])
    assert "connect" in result["calls"] and "set_hashes" in result["calls"]
    assert result["hash_args"] == [["ds", "old"]]  # exclusion asked the stand-in database
    assert result["stored"][0][0] == "Nichts gesagt." and result["stored"][0][1] == 11  # hashed by the stand-in
    assert result["stored"][0][2][0] == "imported"
    assert result["arg_type"] == "Arg"  # no prodigy.core: our Arg with radicli's signature
