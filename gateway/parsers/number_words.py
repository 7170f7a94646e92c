"""Numbers written in words, as people type small counts on a keypad: ``dua puluh lima``, ``seratus``,
``lima belas``, ``2 ratus``, and the Javanese forms (``loro``, ``selawe``, ``seket``). Pure.

No maintained package reads Indonesian number words back (lokal-id's ``terbilang`` only writes them), so this
is a small reader of its own: units and the ``se-`` words add, ``belas`` and ``puluh`` act on the unit just
read, ``ratus`` and ``ribu`` close a group. A run ends at the first word that does not continue it.
"""

from __future__ import annotations

from collections.abc import Sequence

# Words that are a number on their own.
VALUES: dict[str, int] = {
    "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7, "delapan": 8, "sembilan": 9,
    "sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1000,
    # Javanese, as typed in SMS
    "siji": 1, "loro": 2, "telu": 3, "papat": 4, "limo": 5, "enem": 6, "pitu": 7, "wolu": 8, "songo": 9,
    "sewelas": 11, "rolas": 12, "selawe": 25, "seket": 50, "satus": 100, "sewu": 1000,
}  # fmt: skip
UNIT_DIGITS = frozenset(word for word, value in VALUES.items() if value < 10)
TENS = {"belas": 10, "puluh": 10}  # act on the unit before them: `lima belas` 15, `dua puluh` 20
GROUPS = {"ratus": 100, "ribu": 1000}  # close what came before: `dua ratus` 200, `tiga ribu` 3000
NUMBER_WORDS = frozenset(VALUES) | frozenset(TENS) | frozenset(GROUPS)
MULTIPLIERS = frozenset(TENS) | frozenset(GROUPS)  # a digit before one of these is part of the number: `2 ratus`


def read_number(words: Sequence[str], start: int) -> tuple[int, int] | None:
    """The number spelt from ``words[start]`` on and the index after it, or None when none starts there.

    ``words[start]`` is a number word, or digits followed by one (``2 ratus``).
    """
    total = 0  # thousands read so far
    group = 0  # hundreds of the current thousand
    small = 0  # below a hundred
    last: int | None = None  # the unit digit just read, which `belas` or `puluh` may act on
    end = start
    for index in range(start, len(words)):
        word = words[index]
        if word.isdigit() and index == start:
            if index + 1 >= len(words) or words[index + 1] not in MULTIPLIERS:
                return None
            small, last = int(word), int(word) if int(word) < 10 else None
        elif word in VALUES:
            value = VALUES[word]
            if end > start and (last is not None or (small and value < 10 and small % 10)):
                break  # `dua tiga`: two numbers, not one
            if value == 1000:
                total += 1000
            elif value == 100:
                group += 100
            else:
                small += value
            last = value if word in UNIT_DIGITS else None
        elif word == "belas" and last is not None and small == last:
            small, last = last + 10, None
        elif word == "puluh" and last is not None and small == last:
            small, last = last * 10, None
        elif word == "ratus" and end > start and small and not group:
            group, small, last = small * 100, 0, None
        elif word == "ribu" and end > start and (small or group) and not total:
            total, group, small, last = (group + small) * 1000, 0, 0, None
        else:
            break
        end = index + 1
    if end == start:
        return None
    return total + group + small, end
