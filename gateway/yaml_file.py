"""District-editable YAML files, read with their line numbers so that every problem can say where it is."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Self

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

WHOLE_NUMBER = re.compile(r"\+?\d+")
NULL_TAG = "tag:yaml.org,2002:null"


class YamlFile:
    """One YAML file being read, its nodes kept so that every problem can name a line."""

    def __init__(self, source: Path | Traversable, problems: list[str]) -> None:
        self.name = str(source)
        self.problems = problems
        self.root: Node | None = None
        try:
            text = source.read_text(encoding="utf-8")
        except OSError as exc:
            self.problem(None, f"cannot read the file: {exc.strerror or exc}")
            return
        except UnicodeDecodeError:
            self.problem(None, "the file is not UTF-8 text")
            return
        try:
            self.root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
            self.problems.append(self._where(line) + f"not valid YAML: {exc.problem or exc}")
            return
        except yaml.YAMLError as exc:
            self.problem(None, f"not valid YAML: {exc}")
            return
        if self.root is None:
            self.problem(None, "the file is empty")

    def _where(self, line: int | None) -> str:
        return f"{self.name}:{line}: " if line is not None else f"{self.name}: "

    def problem(self, node: Node | None, text: str) -> None:
        """Record a problem at ``node``'s line."""
        self.problems.append(self._where(node.start_mark.line + 1 if node is not None else None) + text)

    def mapping(
        self, node: Node, what: str, required: tuple[str, ...], optional: tuple[str, ...] = (), partial: bool = False
    ) -> dict[str, Node] | None:
        """The known keys of a mapping; None when it is not one, or (unless ``partial``) lacks a required key."""
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what} must be a set of 'key: value' lines")
            return None
        allowed = required + optional
        found: dict[str, Node] = {}
        complete = True
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key is None or key not in allowed:
                shown = key if key is not None else "(not a plain word)"
                self.problem(key_node, f"unknown key '{shown}' in {what}{suggest(key or '', allowed, 'key')}")
            elif key in found:
                self.problem(key_node, f"'{key}' is given twice in {what}")
            else:
                found[key] = value_node
        for key in required:
            if key not in found:
                self.problem(node, f"{what} is missing '{key}'")
                complete = False
        return found if complete or partial else None

    def items(self, node: Node, what: str, single: bool = True) -> list[Node] | None:
        """The entries of a list, or the one value when a single scalar stands for a list of one."""
        if single and isinstance(node, ScalarNode) and node.tag != NULL_TAG:
            return [node]
        if not isinstance(node, SequenceNode) or not node.value:
            self.problem(node, f"{what} must be a non-empty list")
            return None
        return list(node.value)

    def text(self, node: Node, what: str) -> str | None:
        """A non-empty piece of text, read as written (so 'no' stays 'no' and 33.24 stays '33.24')."""
        if not isinstance(node, ScalarNode):
            self.problem(node, f"{what} must be a plain value, not a list or mapping")
            return None
        if node.tag == NULL_TAG or not node.value.strip():
            self.problem(node, f"{what} is empty")
            return None
        return str(node.value).strip()

    def positive(self, node: Node, what: str) -> int | None:
        """A whole number above zero."""
        value = self.text(node, what)
        if value is None:
            return None
        if not WHOLE_NUMBER.fullmatch(value):
            self.problem(node, f"{what} must be a whole number, got '{value}'")
            return None
        if int(value) <= 0:
            self.problem(node, f"{what} must be more than 0, got {int(value)}")
            return None
        return int(value)

    def choices(self, node: Node, what: str, allowed: Iterable[str], parse: Callable[[str], bool]) -> tuple[str, ...]:
        """The listed values that ``parse`` accepts, each rejected one recorded as a problem."""
        out: list[str] = []
        for item in self.items(node, what) or ():
            value = self.text(item, f"an entry of {what}")
            if value is None:
                continue
            if parse(value):
                out.append(value)
            else:
                listed = ", ".join(allowed)
                self.problem(
                    item, f"unknown {what} '{value}'{suggest(value, tuple(allowed), what)}; use one of: {listed}"
                )
        return tuple(out)


class FileProblems(ValueError):
    """A district file is unreadable or wrong; the message names file, line and problem (every one found)."""

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems or (message,)

    @classmethod
    def listing(cls, problems: list[str], files: str) -> Self:
        """One problem as it is; several under a count, e.g. ``3 problems in the routing files:``."""
        if len(problems) == 1:
            return cls(problems[0], tuple(problems))
        lines = "\n".join(f"  {problem}" for problem in problems)
        return cls(f"{len(problems)} problems in {files}:\n{lines}", tuple(problems))


def suggest(value: str, allowed: Iterable[str], what: str) -> str:
    """`` (did you mean key 'agencies'?)`` when ``value`` is close to one of ``allowed``, else nothing."""
    close = difflib.get_close_matches(value, list(allowed), n=1)
    return f" (did you mean {what} '{close[0]}'?)" if close else ""
