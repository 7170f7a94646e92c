"""One SMS to one result: the order in which a message is tried as each kind of command or report."""

from __future__ import annotations

from gateway.parsers.commands import keyword_of, read_command
from gateway.parsers.hazards import HAZARD_WORDS
from gateway.parsers.language import detect_language
from gateway.parsers.region import Region
from gateway.parsers.reports import read_report
from gateway.parsers.result import ParseResult
from gateway.parsers.tokens import tokenize
from gateway.parsers.watch import read_watch


def parse(text: str, region: Region) -> ParseResult:
    """Return what an SMS says, for the given region. Pure; never raises; bounded time for any input.

    Precedence, first match wins:
    1. nothing readable: `?` asks for help, anything else is unreadable;
    2. a report keyword (`LAPOR`, `REPORT`, `lpr`), first or after a word or two: a report;
    3. `HELP`/`INFO` followed by a hazard word (`help flood sukodono`): a report;
    4. `KORBAN` followed by a hazard word and no 16-digit number (`korban banjir sukodono`): a report;
    5. any other command keyword as the first word (not `terima kasih`): that command and its argument;
    6. no keyword: a report if it names a hazard, or a place with a count or a need;
    7. anything else: unknown, unreadable.
    """
    tokens = tokenize(text if isinstance(text, str) else "")
    if not tokens.words:
        return ParseResult("help") if "?" in tokens.display else ParseResult("unknown", problem="unreadable")

    keyword = keyword_of(tokens)
    if keyword is not None:
        if keyword.intent == "report" or (keyword.intent == "help" and HAZARD_WORDS.intersection(tokens.words[1:])):
            tokens.take(keyword.position, keyword.position + 1)
            return read_report(tokens, region, keyword.language)
        if keyword.intent in ("watch", "unwatch"):
            tokens.take(0, keyword.position + 1)
            return read_watch(keyword.intent, tokens, region, keyword.language)
        command = read_command(keyword.intent, tokens, detect_language(tokens.words, keyword.language))
        if command.intent == "victim" and not command.ids and HAZARD_WORDS.intersection(tokens.words[1:]):
            tokens.take(keyword.position, keyword.position + 1)
            return read_report(tokens, region, keyword.language)
        return command

    report = read_report(tokens, region, None)
    names_a_place = report.village_code is not None or bool(report.candidates)
    says_more = bool(report.needs) or any(
        count is not None for count in (report.households, report.people, report.houses)
    )
    if report.hazard is not None or (names_a_place and says_more):
        return report
    return ParseResult("unknown", problem="unreadable", detected_language=report.detected_language)
