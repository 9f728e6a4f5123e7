"""Event hooks the annotation recipes give the page (Prodigy's ``components["event_hooks"]``).

The page calls them as ``window.prodigy.event(name, payload)`` does in Prodigy; the bundled server serves them at
``POST /event/{name}``. Each hook is ``hook(controller, **payload)`` and returns JSON.
"""

from typing import Any, Callable, Dict, Optional

from .finder.patterns import Patterns


def resolve_speakers(
    controller: Any, *, task: Optional[Dict[str, Any]] = None, patterns: Optional[Patterns] = None
) -> Dict[str, Any]:
    """Who each quote's speaker is (the page shows the name beside the mention): ``{"task": {...}}`` →
    ``{"speakers": [{"start", "end", "name", "resolved", "id"}, ...]}``; a malformed task is a ``ValueError``.
    ``patterns``: the session's (a user's ``--patterns``), whose people words the resolver reads."""
    from .resolve import people_words, resolve_task  # the resolver loads on first use, not with the recipe

    if not isinstance(task, dict) or not isinstance(task.get("text"), str):
        raise ValueError('expected {"task": {"text": ..., "spans": ..., "relations": ...}}')
    lang = str(controller.config.get("lang") or "de")
    try:
        found = resolve_task(task, lang, people_words(lang, patterns))
    except (KeyError, TypeError) as err:
        raise ValueError(f"the task's spans or relations are malformed: {err}") from None
    return {
        "speakers": [
            {"start": r.quote[0], "end": r.quote[1], "name": r.name, "resolved": r.resolved, "id": r.speaker_id}
            for r in found
        ]
    }


def event_hooks(patterns: Optional[Patterns] = None) -> Dict[str, Callable[..., Dict[str, Any]]]:
    """The hooks of the annotation recipes (manual, correct, review); ``patterns``: the session's, if not the
    built-in ones."""

    def resolve(controller: Any, *, task: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        return resolve_speakers(controller, task=task, patterns=patterns)

    return {"resolve-speakers": resolve}
