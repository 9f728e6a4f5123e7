"""Progress bars for long work, shown only on a terminal."""

import sys
from contextlib import contextmanager
from typing import Callable, Iterator, Optional

from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


@contextmanager
def progress(
    description: str, total: Optional[int] = None, unit: str = "", enabled: Optional[bool] = None
) -> Iterator[Callable[[int], None]]:
    """Yield an ``advance(n)`` function that moves a bar on stderr (a no-op off a terminal)."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield lambda n=1: None
        return
    columns = [
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)
