"""The package's shape: installed as prodigy_quotes, and no import cycle among its modules."""

import ast
from pathlib import Path
from typing import Dict, List, Set

import prodigy_quotes

PACKAGE = Path(prodigy_quotes.__file__).parent


def _module_graph() -> Dict[str, Set[str]]:
    """Module -> the package's modules it imports, at module level or inside a function (a cycle through an
    import inside a function is a cycle all the same)."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(["prodigy_quotes", *parts])] = path
    graph: Dict[str, Set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf8"))):
            targets: List[str] = []
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - max(0, node.level - 1)] if node.level else []
                target = ".".join(base + ([node.module] if node.module else []))
                targets = [target] + [f"{target}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            # importing a.b.c runs the packages a.b and a first
            targets += [t.rsplit(".", k)[0] for t in list(targets) for k in range(1, t.count("."))]
            graph[name].update(t for t in targets if t in modules and t != name and not name.startswith(t + "."))
    return graph


def test_the_package_is_prodigy_quotes():
    assert prodigy_quotes.__name__ == "prodigy_quotes" and PACKAGE.name == "recipes"


def test_no_import_cycle_among_the_modules():
    graph = _module_graph()
    assert len(graph) > 20
    state: Dict[str, int] = {}
    cycles: List[List[str]] = []

    def visit(node: str, path: List[str]) -> None:
        state[node] = 1
        for child in sorted(graph[node]):
            if state.get(child) == 1:
                cycles.append(path[path.index(child) :] + [child])
            elif child not in state:
                visit(child, path + [child])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_label_colours_come_from_the_schema_alone():
    """The page's scripts hold no label colour: the recipes send the schema's, for spans and for links."""
    import re

    from prodigy_quotes.annotate import quotes_manual
    from prodigy_quotes.schema import LINK_COLOURS, SPAN_COLOURS

    for script in (PACKAGE / "server" / "static").glob("*.js"):
        source = script.read_text(encoding="utf8")
        keyed = re.findall(r"(QUOTE|SPEAKER|CUE|COREF|INDIRECT|REPORTED)\s*:\s*['\"]#", source)
        assert not keyed, f"{script.name} gives the labels {keyed} colours of its own"
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    config = quotes_manual("ds", "blank:de", str(next(seeds.glob("*.txt"))))["config"]
    assert set(config["custom_theme"]["labels"].items()) <= set(SPAN_COLOURS.items())
    assert config["link_colours"] == LINK_COLOURS


def test_the_server_is_generic():
    """The annotation server imports nothing of quotes (finder, model, resolver, recipes): a recipe brings those."""
    graph = _module_graph()
    server = {name for name in graph if name.startswith("prodigy_quotes.server")}
    generic = {"prodigy_quotes.compat", "prodigy_quotes.hashing", "prodigy_quotes.errors", "prodigy_quotes.config"}
    allowed = server | generic | {"prodigy_quotes"}
    for name in server:
        assert graph[name] <= allowed, f"{name} imports {sorted(graph[name] - allowed)}"


def test_the_page_view_only_reads_the_state():
    """render.js draws the page state and never changes it: every change goes through state.js's functions."""
    import re

    source = (PACKAGE / "server" / "static" / "render.js").read_text(encoding="utf8")
    writes = re.findall(
        r"\bS\.[\w.\[\]]+\s*(?:=(?!=)|\+=|-=|\+\+|--)|\bS\.\w+\.(?:push|pop|shift|unshift|splice)\(", source
    )
    assert not writes, f"render.js changes the page state: {writes}"
    app = (PACKAGE / "server" / "static" / "app.js").read_text(encoding="utf8")
    assert not re.findall(r"\bS\.\w+\s*=(?!=)", app), "app.js sets the state's fields itself, not through state.js"
