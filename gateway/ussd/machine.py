"""The USSD state machine: from every key pressed so far to the screen to show, pure and deterministic.

Africa's Talking sends the whole input history (``1*3*12``) with every callback, so ``step`` replays it from
the first screen each time: a retried callback gets the same screen, and nothing but the inputs and the
context (language, region) decides what is shown. What a screen asks the gateway to do (record a report,
look up pickups, link the phone, set the language) comes back as ``effects``; the caller applies them and
renders their outcome with ``gateway.ussd.endings.conclude``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from lokal import is_valid_nik

from gateway.id_numbers import kk_faults
from gateway.parsers.region import Region
from gateway.sms.text import to_gsm7
from gateway.ussd.effects import (
    CheckAid,
    Effect,
    LinkPhone,
    SetLanguage,
    SubmitReport,
    Watch,
    WatchList,
)
from gateway.ussd.menus import (
    BACK,
    EXTRA,
    HAZARD_MENU,
    HAZARD_ORDER,
    HOME,
    LIMIT,
    LIST_ERRORS,
    MAX_HOUSEHOLDS,
    MAX_INPUTS,
    MAX_MATCHES,
    MENUS,
    MORE,
    NEED_MENU,
    NEED_ORDER,
    START,
    TEXTS,
    Ask,
    Confirm,
    Finish,
    Menu,
    Pick,
    Toggle,
    label,
    say,
)

Kind = Literal["CON", "END"]
BODY = LIMIT - len("CON ")  # what a screen's text may use
ERROR_ROOM = max(len(text) for key in LIST_ERRORS for text in TEXTS[key]) + 1  # room for an error line on a list


@dataclass(frozen=True)
class Screen:
    """One answer: ``CON`` (more to come) or ``END``, its text, and what the gateway must do first."""

    kind: Kind
    text: str
    effects: tuple[Effect, ...] = ()

    @property
    def body(self) -> str:
        """The response body: ``CON …`` or ``END …``."""
        return f"{self.kind} {self.text}"


@dataclass(frozen=True)
class Context:
    """What the screens depend on besides the inputs: the session's language and the kabupaten."""

    language: str
    region: Region


# ---- walking the inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """The report being put together, as far as the caller got."""

    hazard: str | None = None
    district: str | None = None
    village: str | None = None
    query: str | None = None
    households: int | None = None
    needs: tuple[str, ...] = ()
    nik: str | None = field(default=None, repr=False)  # DAFTAR: personal data, never in logs


@dataclass(frozen=True)
class Frame:
    """One screen on the way: its name, the page shown, and the draft as it was there."""

    name: str
    page: int = 0
    draft: Draft = Draft()


def step(inputs: Sequence[str], context: Context) -> Screen:
    """The screen for the keys pressed so far (``text.split('*')``; ``[]`` at the start)."""
    if len(inputs) > MAX_INPUTS:
        return end(say("too_long", context.language))
    walk = _Walk(context)
    for key in inputs:
        ended = walk.press(key.strip())
        if ended is not None:
            return ended  # the session is over; a late extra key changes nothing
    return walk.show()


class _Walk:
    """The stack of screens the inputs led through, and the error to show on the top one."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.language = context.language
        self.stack: list[Frame] = [Frame(START)]
        self.error: str | None = None

    def press(self, key: str) -> Screen | None:
        """Apply one key; return the END screen when it ends the session."""
        self.error = None
        top = self.stack[-1]
        if key == HOME:
            self.stack = [Frame(START)]
            return None
        if key == BACK and len(self.stack) > 1:
            self.stack.pop()
            return None
        screen = MENUS[top.name]
        if isinstance(screen, Menu):
            return self._menu(screen, top, key)
        if isinstance(screen, Pick):
            return self._pick(screen, top, key)
        if isinstance(screen, Toggle):
            return self._toggle(screen, top, key)
        if isinstance(screen, Ask):
            return self._ask(screen, top, key)
        if isinstance(screen, Confirm):
            return self._confirm(screen, top, key)
        raise AssertionError(f"screen {top.name!r} cannot take a key")  # Finish ends on arrival

    def _go(self, name: str, draft: Draft) -> Screen | None:
        screen = MENUS[name]
        if isinstance(screen, Finish):
            return self._action(screen.action, None, draft)
        self.stack.append(Frame(name, 0, draft))
        return None

    def _action(self, action: str, value: str | None, draft: Draft) -> Screen:
        language = self.language
        effect: Effect
        if action == "set_language":
            effect = SetLanguage(value or language)
        elif action == "check_aid":
            effect = CheckAid(language)
        elif action == "link_phone":
            effect = LinkPhone(draft.nik or "", value or "", language)
        elif action in ("watch", "watch_list"):
            effect = Watch(draft.village or "", language) if action == "watch" else WatchList(language)
        elif action == "submit_report":
            assert draft.hazard and draft.village and draft.district and draft.households
            effect = SubmitReport(draft.hazard, draft.village, draft.district, draft.households, draft.needs,
                                  language)  # fmt: skip
        else:
            raise AssertionError(f"unknown action {action!r} in the menus")
        return Screen("END", "", (effect,))

    def _menu(self, screen: Menu, top: Frame, key: str) -> Screen | None:
        n = _number(key)
        if n is None or not 1 <= n <= len(screen.options):
            self.error = "invalid"
            return None
        option = screen.options[n - 1]
        if option.action:
            return self._action(option.action, option.value, top.draft)
        assert option.goto
        return self._go(option.goto, top.draft)

    def _pick(self, screen: Pick, top: Frame, key: str) -> Screen | None:
        items = self._items(screen.source, top.draft)
        if key == MORE:
            self._next_page(top, len(self._pages(screen, items)))
            return None
        if screen.search and key == EXTRA:
            return self._go(screen.search, top.draft)
        n = _number(key)
        if n is not None and 1 <= n <= len(items):
            return self._go(screen.goto, _with(top.draft, screen.field, items[n - 1][0]))
        if screen.search and n is None and key:  # letters on a desa list: the name, typed straight away
            search = MENUS[screen.search]
            assert isinstance(search, Ask)
            return self._ask(search, top, key)
        self.error = "invalid"
        return None

    def _toggle(self, screen: Toggle, top: Frame, key: str) -> Screen | None:
        items = self._items(screen.source, top.draft)
        if key == MORE:
            self._next_page(top, len(self._pages(screen, items)))
            return None
        if key == EXTRA:
            return self._go(screen.goto, top.draft)
        n = _number(key)
        if n is None or not 1 <= n <= len(items):
            self.error = "invalid"
            return None
        chosen = set(getattr(top.draft, screen.field)) ^ {items[n - 1][0]}
        ordered = tuple(code for code, _ in items if code in chosen)
        self.stack[-1] = replace(top, draft=_with(top.draft, screen.field, ordered))
        return None

    def _next_page(self, top: Frame, pages: int) -> None:
        if top.page + 1 < pages:
            self.stack.append(replace(top, page=top.page + 1))
        else:
            self.error = "no_more"

    def _ask(self, screen: Ask, top: Frame, key: str) -> Screen | None:
        draft = top.draft
        if screen.check == "count":
            n = _number(key)
            if n is None or not 1 <= n <= MAX_HOUSEHOLDS:
                self.error = "count"
                return None
            assert screen.goto
            return self._go(screen.goto, _with(draft, screen.field, n))
        if screen.check == "village_name":
            if not self._matches(key, draft.district):
                self.error = "not_found"
                return None
            assert screen.goto
            return self._go(screen.goto, _with(draft, screen.field, key))
        if screen.check == "nik":
            if not (len(key) == 16 and key.isascii() and key.isdigit() and is_valid_nik(key)):
                self.error = "nik"
                return None
            assert screen.goto
            return self._go(screen.goto, _with(draft, screen.field, key))
        if screen.check == "kk":
            if not key.isascii() or kk_faults(key):
                self.error = "kk"
                return None
            assert screen.action
            return self._action(screen.action, key, draft)
        raise AssertionError(f"unknown check {screen.check!r} in the menus")

    def _confirm(self, screen: Confirm, top: Frame, key: str) -> Screen | None:
        if key == "1":
            return self._action(screen.action, None, top.draft)
        if key == "2":
            return end(say("cancelled", self.language))
        self.error = "invalid"
        return None

    # ---- the lists behind Pick and Toggle screens

    def _items(self, source: str, draft: Draft) -> list[tuple[str, str]]:
        """``(key, label)`` of every item of a list, in menu order."""
        language, region = self.language, self.context.region
        if source == "hazards":
            return [(code, label(HAZARD_MENU[code], language)) for code in HAZARD_ORDER]
        if source == "needs":
            return [(code, label(NEED_MENU[code], language)) for code in NEED_ORDER]
        if source == "districts":
            return region.districts()
        if source == "villages":
            return region.villages(draft.district) if draft.district else []
        if source == "matches":
            return [(code, region.village_name(code)) for code in self._matches(draft.query or "", draft.district)]
        raise AssertionError(f"unknown list {source!r} in the menus")

    def _matches(self, text: str, district: str | None) -> list[str]:
        return self.context.region.search_villages(text, district, limit=MAX_MATCHES)

    def _pages(self, screen: Pick | Toggle, items: list[tuple[str, str]]) -> list[range]:
        """Split a list into pages that fit one screen with its title, extra option, navigation and an error."""
        language = self.language
        fixed = [label(screen.title, language), say("nav_more", language), *self._extras(screen)]
        room = BODY - ERROR_ROOM - sum(len(line) + 1 for line in fixed)
        marker = len(" *") if isinstance(screen, Toggle) else 0  # size pages for every item chosen: stable pages
        pages: list[range] = []
        start, used = 0, 0
        for i, (_, name) in enumerate(items):
            cost = len(f"{i + 1} {name}") + marker + 1
            if i > start and used + cost > room:
                pages.append(range(start, i))
                start, used = i, 0
            used += cost
        pages.append(range(start, len(items)))
        return pages

    def _extras(self, screen: Pick | Toggle) -> list[str]:
        if isinstance(screen, Toggle):
            return [f"{EXTRA} {label(screen.done, self.language)}"]
        return [f"{EXTRA} {say('search', self.language)}"] if screen.search else []

    # ---- rendering the screen the inputs stopped at

    def show(self) -> Screen:
        top = self.stack[-1]
        screen = MENUS[top.name]
        language = self.language
        lines: list[str] = [say(self.error, language)] if self.error else []
        if isinstance(screen, Menu):
            lines.append(label(screen.title, language))
            lines += [f"{n} {label(option.label, language)}" for n, option in enumerate(screen.options, start=1)]
            if len(self.stack) > 1:
                lines.append(say("nav", language))
        elif isinstance(screen, Pick | Toggle):
            lines += self._list(screen, top)
        elif isinstance(screen, Ask):
            lines += [label(screen.prompt, language), say("nav", language)]
        elif isinstance(screen, Confirm):
            lines += self._summary(screen, top.draft, used=sum(len(line) + 1 for line in lines))
        return _con("\n".join(lines))

    def _list(self, screen: Pick | Toggle, top: Frame) -> list[str]:
        language = self.language
        items = self._items(screen.source, top.draft)
        pages = self._pages(screen, items)
        page = pages[min(top.page, len(pages) - 1)]
        chosen = set(getattr(top.draft, screen.field)) if isinstance(screen, Toggle) else set()
        lines = [label(screen.title, language)]
        lines += [f"{i + 1} {items[i][1]}{' *' if items[i][0] in chosen else ''}" for i in page]
        lines += self._extras(screen)
        has_more = top.page + 1 < len(pages)
        lines.append(say("nav_more" if has_more else "nav", language))
        return lines

    def _summary(self, screen: Confirm, draft: Draft, used: int) -> list[str]:
        """The draft to confirm; needs are cut short with "dll"/"etc" to keep the screen in one piece."""
        language, region = self.language, self.context.region
        village = draft.village or ""
        place = f"{region.village_name(village)}, Kec. {region.district_name(region.district_of(village))}"
        hazard = label(HAZARD_MENU.get(draft.hazard or "other", HAZARD_MENU["other"]), language)
        head = [label(screen.title, language), say("at", language, hazard=hazard, place=place),
                say("households", language, count=draft.households)]  # fmt: skip
        tail = [f"1 {label(screen.send, language)}", f"2 {label(screen.cancel, language)}", say("nav", language)]
        room = BODY - used - sum(len(line) + 1 for line in [*head, *tail])
        needs = [label(NEED_MENU[code], language).lower() for code in draft.needs]
        line = say("needs", language, needs=", ".join(needs)) if needs else say("no_needs", language)
        while len(line) > room and needs:
            needs.pop()
            line = say("needs", language, needs=", ".join([*needs, say("etc", language)]))
        return [*head, line, *tail]


def _with(draft: Draft, name: str, value: object) -> Draft:
    """The draft with one field (named by the menus) set."""
    values: dict[str, Any] = {name: value}
    return replace(draft, **values)


def _number(key: str) -> int | None:
    """A key as a number, or None; ``007`` is 7."""
    return int(key) if key.isascii() and key.isdigit() and len(key) <= 9 else None


def _fit(text: str) -> str:
    """Keep a screen GSM-7 and within the network's limit (a last resort: the menus are written to fit)."""
    text = to_gsm7(text)
    return text if len(text) <= BODY else text[: BODY - 3] + "..."


def _con(text: str) -> Screen:
    return Screen("CON", _fit(text))


def end(text: str) -> Screen:
    return Screen("END", _fit(text))
