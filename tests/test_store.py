"""The built-in store: Prodigy's Database API, its tables, settings and transactions."""

import json
import sqlite3
import threading
from pathlib import Path

import pytest
from prodigy_quotes.errors import QuotesError
from prodigy_quotes.hashing import set_hashes
from prodigy_quotes.store import connect, disconnect_all


def _eg(text: str, **extra) -> dict:
    return set_hashes({"text": text, "answer": "accept", **extra})


def test_connect_default_location_and_singleton(prodigy_home: Path) -> None:
    db = connect()
    assert db is connect()
    assert db.target.location == str((prodigy_home / "prodigy.db").resolve())
    assert (prodigy_home / "prodigy.db").exists()
    assert len(db) == 0 and db.datasets == [] and db.sessions == []


def test_prodigy_tables_and_columns(prodigy_home: Path) -> None:
    db = connect()
    db.add_dataset("news")
    db.add_examples([_eg("„Ja“, sagte sie.")], datasets=["news"])
    con = sqlite3.connect(prodigy_home / "prodigy.db")
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"dataset", "example", "link", "quotes_assignment"}  # Prodigy's three, and the server's own
    cols = {t: [r[1] for r in con.execute(f'PRAGMA table_info("{t}")')] for t in tables}
    assert cols == {
        "dataset": ["id", "name", "created", "meta", "session"],
        "example": ["id", "input_hash", "task_hash", "content"],
        "link": ["id", "example_id", "dataset_id"],
        "quotes_assignment": ["dataset", "key", "task_hash", "session", "since"],
    }
    content, ih = con.execute("SELECT content, input_hash FROM example").fetchone()
    assert isinstance(content, bytes)
    task = json.loads(content.decode("utf8"))
    assert task["text"] == "„Ja“, sagte sie." and task["_input_hash"] == ih


def test_add_and_read_examples_in_order() -> None:
    db = connect()
    egs = [_eg(f"Satz {i}.") for i in range(1203)]
    db.add_examples(egs, datasets=["big"])
    assert "big" in db and db.datasets == ["big"]
    got = db.get_dataset_examples("big")
    assert [e["text"] for e in got] == [e["text"] for e in egs]
    assert db.count_dataset("big") == 1203
    assert db.get_dataset("nope", default="x") == "x"
    assert db.get_dataset_examples("nope") == []
    assert db.get_input_hashes("big") == {e["_input_hash"] for e in egs}
    assert db.get_task_hashes(["big"]) == {e["_task_hash"] for e in egs}
    assert db.get_examples([egs[5]["_task_hash"]])[0]["text"] == "Satz 5."
    assert db.get_examples(egs[6]["_input_hash"], by="input_hash")[0]["text"] == "Satz 6."


def test_sessions_meta_and_session_ids() -> None:
    db = connect()
    db.add_dataset("quotes", meta={"note": "x"})
    db.add_dataset("quotes-alex", session=True)
    db.add_dataset("quotes-bea", session=True)
    db.add_examples([_eg("A.")], datasets=["quotes", "quotes-alex"])
    db.add_examples([_eg("B.")], datasets=["quotes", "quotes-bea"])
    assert db.datasets == ["quotes"] and db.sessions == ["quotes-alex", "quotes-bea"]
    assert len(db) == 1 and "quotes-alex" in db
    meta = db.get_dataset_meta("quotes")
    assert meta["note"] == "x" and isinstance(meta["created"], int)
    assert db.get_meta("nope") is None
    assert db.get_dataset_session_ids("quotes") == ["quotes-alex", "quotes-bea"]
    assert db.count_dataset("quotes-bea") == 1


def test_add_dataset_rejects_bad_names_and_is_get_or_create() -> None:
    db = connect()
    for bad in ("a b", "a,b", "", "tab\tname"):
        with pytest.raises(ValueError):
            db.add_dataset(bad)
    first = db.add_dataset("ok", meta={"v": 1})
    again = db.add_dataset("ok", meta={"v": 2})
    assert first.id == again.id and db.get_meta("ok")["v"] == 1


def test_add_examples_is_all_or_nothing() -> None:
    db = connect()
    db.add_examples([_eg("Eins.")], datasets=["ds"])
    with pytest.raises(ValueError):
        db.add_examples([_eg("Zwei."), {"text": "no hashes"}], datasets=["ds"])
    with pytest.raises(ValueError):
        bad = _eg("Vier.")
        bad["meta"] = {"bad": {1, 2}}
        db.add_examples([_eg("Drei."), bad], datasets=["ds", "other"])
    with pytest.raises(ValueError):
        db.add_examples([_eg("Fünf.")], datasets="ds")  # type: ignore[arg-type]
    assert [e["text"] for e in db.get_dataset_examples("ds")] == ["Eins."]
    assert "other" not in db


def test_transaction_rolls_back_everything_on_error() -> None:
    db = connect()
    with pytest.raises(RuntimeError):
        with db.backend.transaction():
            db.add_examples([_eg("Eins.")], datasets=["ds"])
            raise RuntimeError("boom")
    assert "ds" not in db and db.backend.query('SELECT COUNT(*) FROM "example"')[0][0] == 0


def test_drop_dataset_keeps_examples_linked_elsewhere() -> None:
    db = connect()
    db.add_dataset("s1", session=True)
    db.add_examples([_eg("A.")], datasets=["main", "s1"])
    db.add_examples([_eg("B.")], datasets=["main"])
    assert db.drop_dataset("main") is True
    assert "main" not in db and [e["text"] for e in db.get_dataset_examples("s1")] == ["A."]
    assert db.backend.query('SELECT COUNT(*) FROM "example"')[0][0] == 1
    assert db.drop_dataset("main") is False


def test_drop_examples_and_unlink() -> None:
    db = connect()
    a, b = _eg("A."), _eg("B.")
    db.add_examples([a, b], datasets=["ds", "copy"])
    db.drop_examples([a["_task_hash"]])
    assert [e["text"] for e in db.get_dataset_examples("ds")] == ["B."]
    db.unlink("copy")
    assert db.count_dataset("copy") == 0 and db.count_dataset("ds") == 1


def test_settings_from_prodigy_json_and_url(
    prodigy_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (prodigy_home / "prodigy.json").write_text(
        json.dumps({"db": "sqlite", "db_settings": {"sqlite": {"name": "other.db", "path": str(tmp_path)}}})
    )
    db = connect()
    assert db.target.location == str((tmp_path / "other.db").resolve())
    url_db = connect(f"sqlite:///{tmp_path / 'url.db'}")
    assert url_db.target.location == str((tmp_path / "url.db").resolve()) and url_db is not db
    assert connect("sqlite://").target.location == ":memory:"
    monkeypatch.setenv("PRODIGY_CONFIG_OVERRIDES", json.dumps({"db_settings": {"sqlite": {"name": ":memory:"}}}))
    assert connect().target.location == ":memory:"
    with pytest.raises(QuotesError, match="PostgreSQL"):
        connect("postgresql")


def test_bad_settings_name_the_file(prodigy_home: Path) -> None:
    (prodigy_home / "prodigy.json").write_text("{oops")
    with pytest.raises(QuotesError, match="prodigy.json"):
        connect()


def test_reopen_keeps_data(prodigy_home: Path) -> None:
    connect().add_examples([_eg("Bleibt.")], datasets=["ds"])
    disconnect_all()
    db = connect()
    assert [e["text"] for e in db.get_dataset_examples("ds")] == ["Bleibt."]
    db.reconnect()
    assert db.count_dataset("ds") == 1


def test_concurrent_writers_all_commit() -> None:
    db = connect()
    db.add_dataset("ds")
    errors = []

    def work(n: int) -> None:
        try:
            for i in range(20):
                db.add_examples([_eg(f"T{n}-{i}.")], datasets=["ds", f"ds-s{n}"])
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert db.count_dataset("ds") == 160 and len(db.get_input_hashes("ds")) == 160


def test_second_process_sees_committed_writes(prodigy_home: Path) -> None:
    db = connect()
    db.add_examples([_eg("Sofort.")], datasets=["ds"])
    other = sqlite3.connect(prodigy_home / "prodigy.db")
    assert other.execute('SELECT COUNT(*) FROM "link"').fetchone()[0] == 1


def _peewee_models(path: Path):
    """Prodigy's peewee models as Prodigy defines them (dataset, example, link), bound to ``path``."""
    orm = pytest.importorskip("peewee")
    database = orm.SqliteDatabase(str(path))

    class Base(orm.Model):
        class Meta:
            database = None

    Base._meta.database = database

    class Dataset(Base):
        name = orm.CharField(unique=True)
        created = orm.TimestampField()
        meta = orm.BlobField()
        session = orm.BooleanField()

    class Example(Base):
        input_hash = orm.BigIntegerField()
        task_hash = orm.BigIntegerField()
        content = orm.BlobField()

    class Link(Base):
        example = orm.ForeignKeyField(Example)
        dataset = orm.ForeignKeyField(Dataset)

    return database, Dataset, Example, Link


def test_peewee_models_read_our_store(prodigy_home: Path) -> None:
    db = connect()
    db.add_dataset("quotes-alex", session=True)
    db.add_examples([_eg("„Ja“, sagte sie."), _eg("Nein.")], datasets=["quotes", "quotes-alex"])
    database, Dataset, Example, Link = _peewee_models(prodigy_home / "prodigy.db")
    database.create_tables([Dataset, Example, Link], safe=True)  # what Prodigy does on connect: a no-op here
    names = {ds.name: ds.session for ds in Dataset.select()}
    assert names == {"quotes": False, "quotes-alex": True}
    rows = Example.select().join(Link).join(Dataset).where(Dataset.name == "quotes").order_by(Link.id)
    tasks = [json.loads(bytes(row.content).decode("utf8")) for row in rows]
    assert [t["text"] for t in tasks] == ["„Ja“, sagte sie.", "Nein."]
    assert [row.input_hash for row in rows] == [t["_input_hash"] for t in tasks]
    assert json.loads(bytes(Dataset.get(Dataset.name == "quotes").meta)) == {}


def test_store_reads_what_peewee_wrote(tmp_path: Path) -> None:
    database, Dataset, Example, Link = _peewee_models(tmp_path / "prodigy.db")
    database.create_tables([Dataset, Example, Link])
    ds = Dataset.create(name="old", created=1700000000, meta=json.dumps({"author": "x"}), session=False)
    for text in ("Grüße aus Köln.", "Zweiter."):
        eg = _eg(text)
        ex = Example.create(
            input_hash=eg["_input_hash"], task_hash=eg["_task_hash"], content=json.dumps(eg, ensure_ascii=False)
        )
        Link.create(example=ex, dataset=ds)
    database.close()
    db = connect(f"sqlite:///{tmp_path / 'prodigy.db'}")
    assert db.datasets == ["old"] and db.get_meta("old") == {"author": "x", "created": 1700000000}
    assert [e["text"] for e in db.get_dataset_examples("old")] == ["Grüße aus Köln.", "Zweiter."]


def test_config_precedence(prodigy_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from prodigy_quotes.config import get_config

    project = tmp_path / "project"
    project.mkdir()
    (prodigy_home / "prodigy.json").write_text(
        json.dumps({"port": 1, "host": "a", "batch_size": 3, "db_settings": {"sqlite": {"name": "g.db"}}})
    )
    (project / "prodigy.json").write_text(
        json.dumps({"port": 2, "host": "b", "db_settings": {"postgresql": {"host": "x"}}})
    )
    explicit = tmp_path / "explicit.json"
    explicit.write_text(json.dumps({"port": 3}))
    monkeypatch.chdir(project)
    assert get_config() == {
        "port": 2,
        "host": "b",
        "batch_size": 3,
        "db_settings": {"sqlite": {"name": "g.db"}, "postgresql": {"host": "x"}},
    }
    monkeypatch.setenv("PRODIGY_CONFIG", str(explicit))
    monkeypatch.setenv("PRODIGY_CONFIG_OVERRIDES", '{"host": "c"}')
    config = get_config()
    assert (config["port"], config["host"], config["batch_size"]) == (3, "c", 3)
    monkeypatch.setenv("PRODIGY_CONFIG_OVERRIDES", "[1]")
    with pytest.raises(QuotesError, match="JSON object"):
        get_config()
    monkeypatch.setenv("PRODIGY_CONFIG", str(tmp_path / "missing.json"))
    with pytest.raises(QuotesError, match="not a file"):
        get_config()


def test_examples_are_stored_without_insert_returning_too(prodigy_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = connect()
    monkeypatch.setattr(db.backend, "returning", False)  # SQLite before 3.35
    db.add_examples([_eg("„Ja“, sagte sie."), _eg("„Nein“, sagte er.")], datasets=["news", "news-anna"])
    assert db.count_dataset("news") == 2 and db.count_dataset("news-anna") == 2
    assert [eg["text"] for eg in db.get_dataset_examples("news")] == ["„Ja“, sagte sie.", "„Nein“, sagte er."]
