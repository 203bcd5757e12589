"""`# type: ignore` comments stay few, and each says which error it silences and why.

mypy reports an ignore that no longer silences anything (`warn_unused_ignores`); this keeps the ones
that do to a short, explained list: a new one needs its error code and a reason on the same line
(`# type: ignore[attr-defined]  # read by audit_record`), and past the limit the types need fixing.
"""

import io
import os
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MOST_IGNORES = 20
# An error code (or several) in brackets, then a comment saying why.
EXPLAINED = re.compile(r"# type: ignore\[[a-z][a-z-]*(, ?[a-z][a-z-]*)*\]  # \S")


def python_files() -> Iterator[Path]:
    """Safeguard's own files: not the virtual environment or other hidden folders."""
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith(".") and name != "node_modules")
        yield from (Path(folder) / name for name in sorted(files) if name.endswith(".py"))


def type_ignores(source: str) -> list[tuple[int, str]]:
    """(line, comment) of each comment that is a `type: ignore`; text in strings is not a comment."""
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and re.match(r"#\s*type:\s*ignore", token.string):
            found.append((token.start[0], token.string))
    return found


def unexplained(ignores: list[tuple[int, str]]) -> list[tuple[int, str]]:
    return [(line, comment) for line, comment in ignores if not EXPLAINED.match(comment)]


def all_ignores() -> list[tuple[str, int, str]]:
    return [
        (str(path.relative_to(ROOT)), line, comment)
        for path in python_files()
        for line, comment in type_ignores(path.read_text(encoding="utf-8"))
    ]


def test_it_finds_ignores_in_comments_only_and_tells_an_explained_one_from_the_rest():
    source = (
        'text = "# type: ignore"\n'
        "a = f()  # type: ignore\n"
        "b = g()  # type: ignore[arg-type]\n"
        "c = h()  # type: ignore[attr-defined]  # set by the middleware\n"
        "d = k()  # type: ignore[misc, arg-type]  # the stubs lag Django 5.2\n"
    )
    ignores = type_ignores(source)
    assert [line for line, _ in ignores] == [2, 3, 4, 5]
    assert [line for line, _ in unexplained(ignores)] == [2, 3]


def test_every_type_ignore_names_its_error_code_and_says_why():
    missing = [f"{path}:{line}: {comment}" for path, line, comment in all_ignores() if not EXPLAINED.match(comment)]
    assert not missing, "Give each `# type: ignore` its error code and a reason:\n" + "\n".join(missing)


def test_at_most_twenty_type_ignores_are_left():
    ignores = all_ignores()
    assert len(ignores) <= MOST_IGNORES, f"{len(ignores)} `# type: ignore` comments (at most {MOST_IGNORES}):\n" + (
        "\n".join(f"{path}:{line}: {comment}" for path, line, comment in ignores)
    )
