"""Aid programs: what each agency gives a household, read from a district-editable YAML file.

Every program belongs to one category. The one-door rule (one allocation per category per household per
incident, whatever the agency) makes two programs of one category mutually exclusive: a household gets
BPBD's rice or Dinsos's food package, not both.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Literal

from yaml.nodes import Node, SequenceNode

from gateway.routing.rules import septets_of
from gateway.sms.text import GSM7_BASIC, GSM7_EXTENSION
from gateway.yaml_file import FileProblems, YamlFile, suggest

PathArg = str | os.PathLike[str]
Category = Literal["food", "non_food", "shelter", "housing", "cash", "health"]

# Canonical categories, with how a coordinator calls them in each language.
CATEGORIES: dict[Category, tuple[str, str]] = {
    "food": ("pangan dan logistik", "food and logistics"),
    "non_food": ("barang non-pangan (NFI)", "non-food items"),
    "shelter": ("hunian sementara", "temporary shelter"),
    "housing": ("perbaikan rumah", "housing repair"),
    "cash": ("santunan tunai", "cash assistance"),
    "health": ("kesehatan", "health"),
}
DEFAULT_PICKUP_DAYS = 3
ITEM_MAX_SEPTETS = 30  # with the amount, place, time and code, a pickup notice still fits one SMS
UNIT_MAX_SEPTETS = 12
CURRENCIES = frozenset({"rp", "idr"})  # units written before the amount: Rp 5.000.000
PROGRAM_CODE = re.compile(r"[A-Z][A-Z0-9_]*")
QUANTITY = re.compile(r"\d+(?:_\d+)*(?:\.\d+)?")
REQUIRED = ("code", "agency", "category", "name", "item", "unit", "quantity_per_household")
OPTIONAL = ("pickup_days",)
LANGUAGES = ("id", "en")


class ProgramsError(FileProblems):
    """The programs file is unreadable or wrong; the message names file, line and problem."""


@dataclass(frozen=True)
class Program:
    """One kind of aid an agency gives each household: what, how much, and how long the pickup stays open."""

    code: str
    agency: str
    category: Category
    name_id: str
    name_en: str
    item_id: str
    item_en: str
    unit_id: str
    unit_en: str
    quantity: Decimal
    pickup_days: int = DEFAULT_PICKUP_DAYS

    def name(self, language: str) -> str:
        """The program's name in ``language`` (``en``; anything else is Indonesian)."""
        return self.name_en if language == "en" else self.name_id

    def item(self, language: str) -> str:
        """What is handed out, in ``language``: ``beras``, ``rice``."""
        return self.item_en if language == "en" else self.item_id

    def unit(self, language: str) -> str:
        """The unit of the quantity, in ``language``: ``kg``, ``paket``, ``Rp``."""
        return self.unit_en if language == "en" else self.unit_id

    def amount(self, language: str) -> str:
        """The quantity with its unit as a reader expects it: ``10 kg``, ``2,5 kg``, ``Rp 5.000.000``."""
        number = format_quantity(self.quantity, language)
        unit = self.unit(language)
        return f"{unit} {number}" if unit.lower().rstrip(".") in CURRENCIES else f"{number} {unit}"


@dataclass(frozen=True)
class Programs:
    """The aid programs of a district, by code, in file order."""

    by_code: dict[str, Program]

    def __iter__(self) -> Iterator[Program]:
        return iter(self.by_code.values())

    def __len__(self) -> int:
        return len(self.by_code)

    def in_category(self, category: str) -> list[Program]:
        """The programs of one category, in file order: those that exclude each other under the one-door rule."""
        return [program for program in self if program.category == category]


def format_quantity(quantity: Decimal, language: str) -> str:
    """Write a quantity with the language's separators: ``5.000.000`` and ``2,5`` (id), ``5,000,000`` (en)."""
    whole, _, fraction = f"{quantity.normalize():f}".partition(".")
    grouped = f"{int(whole):,}"
    if language == "en":
        return grouped + (f".{fraction}" if fraction else "")
    return grouped.replace(",", ".") + (f",{fraction}" if fraction else "")


def load_programs(path: PathArg | None = None, known_agencies: Iterable[str] | None = None) -> Programs:
    """Load and check the programs file; ``None`` means the shipped default, and the routing file's agencies."""
    if known_agencies is None:
        from gateway.routing import load_rules  # only when the caller has no agencies at hand

        known_agencies = load_rules().agencies
    source: Path | Traversable = Path(path) if path is not None else files("gateway.aid").joinpath("programs.yaml")
    reader = _Reader(source)
    programs = reader.programs(tuple(known_agencies))
    problems = reader.problems
    if problems:
        raise ProgramsError.listing(problems, "the aid programs file")
    return Programs(by_code=programs)


class _Reader(YamlFile):
    """The programs file being read, its nodes kept so that every problem can name a line."""

    def __init__(self, source: Path | Traversable) -> None:
        super().__init__(source, [])

    def programs(self, agencies: tuple[str, ...]) -> dict[str, Program]:
        """Every program in file order; problems are recorded, the programs with problems left out."""
        if self.root is None:
            return {}
        if not isinstance(self.root, SequenceNode) or not self.root.value:
            self.problem(self.root, "the programs file must be a list of programs, each starting with '- code:'")
            return {}
        out: dict[str, Program] = {}
        first_line: dict[str, int] = {}
        for entry in self.root.value:
            program = self.program(entry, agencies, first_line)
            if program is not None:
                out[program.code] = program
        return out

    def program(self, node: Node, agencies: tuple[str, ...], first_line: dict[str, int]) -> Program | None:
        """One program, or None after recording what is wrong with it."""
        before = len(self.problems)
        fields = self.mapping(node, "a program", REQUIRED, OPTIONAL, partial=True)
        if fields is None:
            return None
        code = self.text(fields["code"], "a program code") if "code" in fields else None
        what = f"program {code}" if code else f"the program at line {node.start_mark.line + 1}"
        if code is not None and not PROGRAM_CODE.fullmatch(code):
            self.problem(fields["code"], f"program code '{code}' must be capital letters, digits or '_', like SEMBAKO")
        elif code is not None and code in first_line:
            self.problem(fields["code"], f"duplicate program code '{code}' (first given at line {first_line[code]})")
        elif code is not None:
            first_line[code] = fields["code"].start_mark.line + 1

        agency = self.text(fields["agency"], f"the agency of {what}") if "agency" in fields else None
        if agency is not None and agency not in agencies:
            self.problem(
                fields["agency"],
                f"unknown agency '{agency}' in {what}{suggest(agency, agencies, 'agency')}; "
                f"the agencies file lists: {', '.join(agencies) or 'none'}",
            )
        category = self.text(fields["category"], f"the category of {what}") if "category" in fields else None
        if category is not None and category not in CATEGORIES:
            self.problem(
                fields["category"],
                f"unknown category '{category}' in {what}{suggest(category, CATEGORIES, 'category')}; "
                f"use one of: {', '.join(CATEGORIES)}",
            )
        name = self.languages(fields.get("name"), f"the name of {what}", None)
        item = self.languages(fields.get("item"), f"the item of {what}", ITEM_MAX_SEPTETS)
        unit = self.languages(fields.get("unit"), f"the unit of {what}", UNIT_MAX_SEPTETS)
        quantity = self.quantity(fields["quantity_per_household"], what) if "quantity_per_household" in fields else None
        pickup_days = DEFAULT_PICKUP_DAYS
        if "pickup_days" in fields:
            pickup_days = self.positive(fields["pickup_days"], f"pickup_days of {what}") or DEFAULT_PICKUP_DAYS

        if len(self.problems) > before:
            return None
        assert code and agency and category and name and item and unit and quantity  # no problem: all were read
        return Program(
            code=code,
            agency=agency,
            category=category,  # type: ignore[arg-type]  # checked against CATEGORIES above
            name_id=name[0],
            name_en=name[1],
            item_id=item[0],
            item_en=item[1],
            unit_id=unit[0],
            unit_en=unit[1],
            quantity=quantity,
            pickup_days=pickup_days,
        )

    def languages(self, node: Node | None, what: str, max_septets: int | None) -> tuple[str, str] | None:
        """An ``{id: ..., en: ...}`` pair; with ``max_septets``, each must be GSM-7 and fit that many septets."""
        if node is None:
            return None
        fields = self.mapping(node, what, LANGUAGES, partial=True)
        if fields is None:
            return None
        texts: list[str] = []
        for language in LANGUAGES:
            if language not in fields:
                continue
            text = self.text(fields[language], f"{what} ({language})")
            if text is None:
                continue
            if max_septets is not None:
                foreign = sorted({char for char in text if char not in GSM7_BASIC and char not in GSM7_EXTENSION})
                if foreign:
                    self.problem(
                        fields[language],
                        f"{what} ({language}) '{text}' has characters outside the SMS (GSM-7) alphabet: "
                        + " ".join(foreign),
                    )
                    continue
                if septets_of(text) > max_septets:
                    self.problem(
                        fields[language],
                        f"{what} ({language}) '{text}' is {septets_of(text)} characters long; "
                        f"at most {max_septets} fit in a pickup SMS",
                    )
                    continue
            texts.append(text)
        return (texts[0], texts[1]) if len(texts) == len(LANGUAGES) else None

    def quantity(self, node: Node, what: str) -> Decimal | None:
        """A number above zero: ``1``, ``10``, ``2.5``, ``5000000`` (``5_000_000`` too)."""
        value = self.text(node, f"quantity_per_household of {what}")
        if value is None:
            return None
        if not QUANTITY.fullmatch(value):
            self.problem(
                node,
                f"quantity_per_household of {what} must be a number above 0 like 10, 2.5 or 5000000 "
                f"(no thousands dots), got '{value}'",
            )
            return None
        quantity = Decimal(value.replace("_", ""))
        if quantity <= 0:
            self.problem(node, f"quantity_per_household of {what} must be more than 0, got {value}")
            return None
        return quantity
