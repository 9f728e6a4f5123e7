"""Errors meant for users: the CLI prints their message without a traceback."""


class QuotesError(Exception):
    """A problem the user can fix: bad input, missing file, unknown dataset."""

    def __init__(self, title: str, detail: str = "") -> None:
        self.title = title
        self.detail = detail
        super().__init__(f"{title}: {detail}" if detail else title)


class InputError(QuotesError):
    """Bad input data, located at a file and (where it applies) a line."""

    def __init__(self, path: str, line: int | None, problem: str) -> None:
        where = f"{path}, line {line}" if line is not None else str(path)
        self.path, self.line, self.problem = path, line, problem
        super().__init__(f"{where}: {problem}")
