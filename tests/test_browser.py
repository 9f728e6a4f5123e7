"""End-to-end: the README's main command, driven in Debian's Chromium through Playwright.

Starts ``quotes manual news blank:de seeds/`` (our server, since Prodigy is not installed), fixes
a speaker on the first seed article in the page, links it, accepts, saves, stops the server and
reads the answer back with ``quotes db-out``. Also checks that HTML in a task stays text and that
a 1,500-token article renders and takes edits (how fast: ``bench/page.py``).
"""

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium; .ci/run installs it)",
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install -e '.[test]')")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``quotes <args>`` in a child process; knows the address it printed."""

    def __init__(self, args: List[str], home: Path) -> None:
        self.env = {**os.environ, "PRODIGY_HOME": str(home), "PRODIGY_PORT": str(free_port()), "PYTHONUNBUFFERED": "1"}
        for var in (
            "PRODIGY_CONFIG",
            "PRODIGY_CONFIG_OVERRIDES",
            "PRODIGY_ALLOWED_SESSIONS",
            "PRODIGY_BASIC_AUTH_USER",
            "PRODIGY_BASIC_AUTH_PASS",
            "PRODIGY_HOST",
        ):
            self.env.pop(var, None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "prodigy_quotes.cli", *args],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: "queue.Queue[str]" = queue.Queue()
        self.output: List[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self._wait_for_address()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def _wait_for_address(self, timeout: float = 120) -> str:
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            self.output.append(line)
            if "Open http://" in line:
                return line.split("Open ", 1)[1].split()[0]
        self.stop()
        raise AssertionError("the server did not print its address:\n" + "".join(self.output))

    def stop(self) -> str:
        """Stop like Ctrl+C does; return everything it printed."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return "".join(self.output)


def quotes(args: List[str], env: Dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "prodigy_quotes.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_page(browser: object, url: str, errors: List[str], width: int = 1400, height: int = 900) -> object:
    page = browser.new_page(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(url)
    page.wait_for_selector("#text .tok")
    return page


def current(page: object) -> Dict:
    return page.evaluate("window.quotesApp.state.current")  # type: ignore[attr-defined]


def token(page: object, i: int) -> object:
    return page.locator(f'#text .tok[data-i="{i}"]')  # type: ignore[attr-defined]


def token_index(task: Dict, text: str, after: int = 0) -> int:
    return next(t["id"] for t in task["tokens"] if t["text"] == text and t["start"] >= after)


def drag(page: object, first: int, last: int) -> None:
    token(page, first).hover()
    page.mouse.down()  # type: ignore[attr-defined]
    token(page, last).hover()
    page.mouse.up()  # type: ignore[attr-defined]


def test_fix_speaker_link_accept_save_and_db_out(browser: object, tmp_path: Path) -> None:
    server = Server(["manual", "news", "blank:de", "seeds/"], tmp_path / "home")
    errors: List[str] = []
    try:
        assert server.url.startswith("http://127.0.0.1:")
        page = open_page(browser, server.url + "?session=tester", errors)
        task = current(page)
        assert task["meta"]["file"] == "hafen-streik.txt"
        text = task["text"]
        quote = next(s for s in task["spans"] if s["label"] == "QUOTE" and "Arbeitgeber" in text[s["start"] : s["end"]])
        # The annotator's correction: whatever speaker the rules linked goes; "Maya Schwarz" becomes the speaker.
        for rel in [
            r for r in task["relations"] if r["label"] == "SPEAKER" and r["head_span"]["start"] == quote["start"]
        ]:
            child = rel["child_span"]
            token(page, child["token_start"]).click()
            page.keyboard.press("Delete")
        page.keyboard.press("Escape")
        page.keyboard.press("2")  # SPEAKER
        maya = token_index(task, "Maya")
        drag(page, maya, maya + 1)  # "Maya Schwarz": the new span is selected
        token(page, quote["token_start"]).click()  # selected speaker + click on the quote = link
        panel = page.locator("#quotes li", has_text="Arbeitgeber")
        assert "Maya Schwarz" in panel.inner_text()
        edited = current(page)
        speakers = [
            r for r in edited["relations"] if r["label"] == "SPEAKER" and r["head_span"]["start"] == quote["start"]
        ]
        assert [text[r["child_span"]["start"] : r["child_span"]["end"]] for r in speakers] == ["Maya Schwarz"]
        page.screenshot(path=str(tmp_path / "before-accept.png"))
        page.keyboard.press("a")
        page.wait_for_function("window.quotesApp.state.outbox.length === 1")
        page.keyboard.press("Control+s")
        page.wait_for_function("window.quotesApp.state.outbox.length === 0 && !window.quotesApp.state.sending")
        assert "saved" in page.locator("#savestate").inner_text()
        assert "this session 1" in page.locator("#counter").inner_text()
        page.close()
    finally:
        log = server.stop()
    assert not errors, errors
    lines = [json.loads(line) for line in quotes(["db-out", "news"], server.env).splitlines() if line.strip()]
    assert len(lines) == 1, log
    answer = lines[0]
    assert answer["answer"] == "accept" and answer["_session_id"] == "news-tester"
    assert answer["_annotator_id"] == "news-tester" and answer["_view_id"] == "relations"
    speakers = [r for r in answer["relations"] if r["label"] == "SPEAKER" and r["head_span"]["start"] == quote["start"]]
    assert len(speakers) == 1
    rel = speakers[0]
    assert text[rel["child_span"]["start"] : rel["child_span"]["end"]] == "Maya Schwarz"
    assert rel["head"] == quote["token_end"] and rel["child"] == maya + 1
    assert {"start": rel["child_span"]["start"], "end": rel["child_span"]["end"], "label": "SPEAKER"}.items() <= next(
        s for s in answer["spans"] if s["start"] == rel["child_span"]["start"]
    ).items()


def test_html_in_a_task_is_shown_as_text(browser: object, tmp_path: Path) -> None:
    source = tmp_path / "evil.jsonl"
    evil = '„<img src=x onerror="window.__pwned=1"><b>fett</b>“, sagte <script>window.__pwned=2</script> Kim.'
    source.write_text(json.dumps({"text": evil, "meta": {"note": "<i>x</i>"}}) + "\n", encoding="utf8")
    server = Server(["manual", "evil", "blank:de", str(source)], tmp_path / "home")
    errors: List[str] = []
    try:
        page = open_page(browser, server.url, errors)
        assert page.evaluate("window.__pwned") is None
        assert page.locator("#text img, #text b, #text script, #meta i").count() == 0
        shown = page.evaluate("[...document.querySelectorAll('#text .tok')].map(e => e.firstChild.nodeValue).join('')")
        assert "onerror" in shown and "<script>" in shown
        assert "<i>x</i>" in page.locator("#meta").inner_text()
    finally:
        server.stop()
    assert not errors, errors


def test_a_1500_token_article_renders_and_takes_edits(browser: object, tmp_path: Path) -> None:
    """How fast the edits are is bench/page.py's figure (long article against a short one), not a timed test."""
    paragraph = (
        "„Wir bleiben dran und prüfen jeden Hinweis“, sagte die Sprecherin am Abend. "
        "Danach beriet der Ausschuss noch lange über die Pläne der Stadt und die Kosten.\n\n"
    )
    source = tmp_path / "long.jsonl"
    source.write_text(json.dumps({"text": paragraph * 50}) + "\n", encoding="utf8")
    server = Server(["manual", "long", "blank:de", str(source), "--max-tokens", "0"], tmp_path / "home")
    errors: List[str] = []
    try:
        page = open_page(browser, server.url, errors)
        n_tokens = page.locator("#text .tok").count()
        assert n_tokens >= 1500
        drag(page, 1000, 1003)
        tokens = current(page)["tokens"]
        words = [i for i in range(1000, 1004) if tokens[i]["text"].strip()]
        assert (words[0], words[-1]) in {(s["token_start"], s["token_end"]) for s in current(page)["spans"]}
        page.keyboard.press("x")
        page.wait_for_function("window.quotesApp.state.outbox.length === 1")
    finally:
        server.stop()
    assert not errors, errors


def test_keys_undo_relabel_unlink_and_validation_message(browser: object, tmp_path: Path) -> None:
    server = Server(["manual", "keys", "blank:de", "seeds/"], tmp_path / "home")
    errors: List[str] = []
    try:
        page = open_page(browser, server.url + "?session=kim", errors)
        first = current(page)
        page.keyboard.press(" ")  # ignore -> second article (after the server's validate_answer check)
        page.wait_for_function("window.quotesApp.state.outbox.length === 1")
        assert current(page)["meta"]["file"] != first["meta"]["file"]
        page.keyboard.press("Backspace")  # undo -> first article again, unanswered
        assert current(page)["meta"]["file"] == first["meta"]["file"] and "answer" not in current(page)
        # Relabel a speaker as CUE with Shift+3: its SPEAKER links go, a CUE stays a CUE.
        rel = next(r for r in first["relations"] if r["label"] == "SPEAKER")
        token(page, rel["child_span"]["token_start"]).click()
        page.keyboard.press("Shift+Digit3")
        task = current(page)
        span = next(s for s in task["spans"] if s["start"] == rel["child_span"]["start"])
        assert span["label"] == "CUE"
        assert not any(r["child_span"]["start"] == span["start"] and r["label"] == "SPEAKER" for r in task["relations"])
        # Remove a link from the side panel.
        before = len(task["relations"])
        page.locator("#quotes .unlink").first.click()
        assert len(current(page)["relations"]) == before - 1
        # A refusal from validate_answer is shown and the task stays.
        page.route(
            "**/validate_answer",
            lambda route: route.fulfill(
                status=200,
                content_type="application/json",
                body=json.dumps({"valid": False, "error": "Please link a speaker"}),
            ),
        )
        page.keyboard.press("a")
        page.wait_for_selector("#banner:not([hidden])")
        assert "Please link a speaker" in page.locator("#banner-text").inner_text()
        assert current(page)["meta"]["file"] == first["meta"]["file"] and not page.evaluate(
            "window.quotesApp.state.outbox.length"
        )
        page.unroute("**/validate_answer")
        page.keyboard.press("x")  # reject
        page.wait_for_function("window.quotesApp.state.outbox.length === 1")
        page.click("#save")
        page.wait_for_function("window.quotesApp.state.outbox.length === 0 && !window.quotesApp.state.sending")
    finally:
        server.stop()
    assert not errors, errors
    answers = [json.loads(line) for line in quotes(["db-out", "keys"], server.env).splitlines() if line.strip()]
    assert [(a["answer"], a["meta"]["file"], a["_session_id"]) for a in answers] == [
        ("reject", first["meta"]["file"], "keys-kim")
    ]


def long_article(tmp_path: Path) -> Path:
    """A 1,500-word article with a quote and its speaker in every paragraph."""
    paragraph = (
        "„Wir bleiben dran und prüfen jeden Hinweis“, sagte die Sprecherin am Abend. "
        "Danach beriet der Ausschuss noch lange über die Pläne der Stadt und die Kosten.\n\n"
    )
    source = tmp_path / "long.jsonl"
    source.write_text(json.dumps({"text": paragraph * 50}) + "\n", encoding="utf8")
    return source


@pytest.mark.parametrize("width,height", [(1280, 720), (800, 900)])
def test_the_page_reads_at_desktop_and_narrow_widths(browser: object, tmp_path: Path, width: int, height: int) -> None:
    server = Server(["manual", "long", "blank:de", str(long_article(tmp_path)), "--max-tokens", "0"], tmp_path / "h")
    errors: List[str] = []
    try:
        page = open_page(browser, server.url + "?session=lea", errors, width, height)
        page.screenshot(path=str(tmp_path / f"page-{width}.png"))
        side = page.locator("#side").bounding_box()
        assert side["y"] < height / 2  # the quote list is at hand without scrolling past the article
        if width < 900:
            assert side["width"] > width * 0.8  # one column: the list above the text, full width
        page.mouse.wheel(0, 3000)
        page.wait_for_timeout(200)
        header = page.locator("#top").bounding_box()
        toolbar = page.locator("#toolbar").bounding_box()
        assert 0 <= header["y"] < 5 and toolbar["y"] < header["y"] + header["height"] + 20  # both stay in view
        assert "progress" in page.locator("#counter").inner_text()
        # the numbers on the tags tie each speaker to its quote
        tags = page.evaluate("[...document.querySelectorAll('#text .tag')].slice(0, 3).map(t => t.textContent)")
        assert tags[:2] == ["QUOTE 1", "CUE → 1"] and tags[2].startswith("SPEAKER → 1")
        # no arrow is drawn until a span is selected or hovered; then its links, in their relation's colour
        assert page.locator("#arrows path").count() == 0
        quote = next(s for s in current(page)["spans"] if s["label"] == "QUOTE")
        token(page, quote["token_start"]).click()
        page.screenshot(path=str(tmp_path / f"page-{width}-selected.png"))
        strokes = page.evaluate(
            "[...document.querySelectorAll('#arrows path:not(marker path)')].map(p => p.style.stroke)"
        )
        assert len(strokes) == 2 and len(set(strokes)) == 2
    finally:
        server.stop()
    assert not errors, errors


def test_deleting_a_quote_takes_its_speaker_and_a_stray_click_adds_nothing(browser: object, tmp_path: Path) -> None:
    server = Server(["manual", "del", "blank:de", "seeds/"], tmp_path / "home")
    errors: List[str] = []
    try:
        page = open_page(browser, server.url + "?session=ida", errors)
        task = current(page)
        rel = next(r for r in task["relations"] if r["label"] == "SPEAKER")
        users = [r for r in task["relations"] if r["child_span"]["start"] == rel["child_span"]["start"]]
        quote = next(s for s in task["spans"] if s["start"] == rel["head_span"]["start"])
        token(page, quote["token_start"]).click()
        page.keyboard.press("Delete")
        after = current(page)
        starts = {s["start"] for s in after["spans"]}
        assert quote["start"] not in starts
        assert (rel["child_span"]["start"] in starts) == (len(users) > 1)  # its speaker goes unless shared
        page.keyboard.press("z")  # undo the edit
        assert current(page)["spans"] == task["spans"] and current(page)["relations"] == task["relations"]
        plain = next(
            t["id"]
            for t in task["tokens"]
            if t["text"].isalpha() and not any(s["token_start"] <= t["id"] <= s["token_end"] for s in task["spans"])
        )
        token(page, plain).click()  # nothing armed: no span
        assert len(current(page)["spans"]) == len(task["spans"])
        page.keyboard.press("2")  # SPEAKER armed: one click adds a one-word span
        token(page, plain).click()
        assert len(current(page)["spans"]) == len(task["spans"]) + 1
    finally:
        server.stop()
    assert not errors, errors


def test_a_page_closed_without_answering_gives_its_tasks_to_the_next_annotator(browser: object, tmp_path: Path) -> None:
    server = Server(["manual", "close", "blank:de", "seeds/"], tmp_path / "home")
    errors: List[str] = []
    try:
        editor = open_page(browser, server.url, errors)  # no ?session=: an editor having a look
        seen = current(editor)["_task_hash"]
        editor.close(run_before_unload=True)
        page = open_page(browser, server.url + "?session=ole", errors)
        page.wait_for_function("window.quotesApp.state.current !== null")
        assert current(page)["_task_hash"] == seen
    finally:
        server.stop()
    assert not errors, errors


def test_the_page_shows_who_is_quoted_and_links_a_pronoun_to_its_antecedent(browser: object, tmp_path: Path) -> None:
    server = Server(["manual", "who", "blank:de", "seeds/kim-soldaten.txt"], tmp_path / "home")
    errors: List[str] = []
    try:
        page = open_page(browser, server.url + "?session=mia", errors)
        page.wait_for_selector("#quotes .who")
        shown = page.locator("#quotes").inner_text()
        assert "= Nordkoreas Machthaber Kim Jong Un" in shown and "= Kims Schwester Kim Yo Jong" in shown
        task = current(page)
        text = task["text"]
        she = next(s for s in task["spans"] if s["label"] == "SPEAKER" and text[s["start"] : s["end"]] == "sie")
        kim = next(s for s in task["spans"] if s["label"] == "SPEAKER" and text[s["start"] : s["end"]] == "Kim")
        token(page, she["token_start"]).click()
        token(page, kim["token_start"]).click()  # a speaker selected + another speaker = who the mention means
        coref = [r for r in current(page)["relations"] if r["label"] == "COREF"]
        assert [(r["head_span"]["start"], r["child_span"]["start"]) for r in coref] == [(she["start"], kim["start"])]
        page.wait_for_function("document.querySelector('#quotes').innerText.split('Kim Yo Jong').length === 1")
    finally:
        server.stop()
    assert not errors, errors


def test_the_report_opens_offline_with_the_datas_numbers(browser: object, tmp_path: Path) -> None:
    from prodigy_quotes.report import report_figures

    tasks = [
        json.loads(line)
        for line in quotes(
            ["extract", "blank:de", "seeds/", "-o", "-"], {**os.environ, "PRODIGY_HOME": str(tmp_path)}
        ).splitlines()
        if line.strip()
    ]
    source = tmp_path / "tasks.jsonl"
    source.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in tasks), encoding="utf8")
    out = tmp_path / "report.html"
    quotes(["report", str(source), "-o", str(out)], {**os.environ, "PRODIGY_HOME": str(tmp_path)})
    figures = report_figures(tasks)
    errors: List[str] = []
    page = browser.new_page(viewport={"width": 1100, "height": 900})  # type: ignore[attr-defined]
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.route("http*://**", lambda route: (errors.append(f"fetched {route.request.url}"), route.abort()))
    page.goto(out.as_uri())
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert page.locator("#n-articles").inner_text() == str(figures["articles"]) == "2"
    assert page.locator("#n-quotes").inner_text() == str(figures["quotes"])
    top = page.locator("table.speakers tbody tr").first.inner_text().split("\t")
    assert top[0] == figures["speakers"][0][0] and int(top[1]) == figures["speakers"][0][1]
    assert page.locator("svg.chart").count() == 4
    assert not errors, errors
    page.close()
