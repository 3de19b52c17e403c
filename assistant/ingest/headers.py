"""Header names as people write them: case, spaces, dashes, camelCase and common synonyms.

`First Name`, `first-name`, `FIRSTNAME` and `firstName` all read as `first_name`; a few
synonyms (`Phone Number`, `mobile`, `E-Mail Address`) read as their column. A name one typo
away from a known column (`frist_name`, `emial`) is not guessed at: the caller refuses it
with a suggestion, so that a mistyped column never becomes a custom attribute.
"""

from __future__ import annotations

from collections.abc import Iterable

# Keys (see `key`) that mean a column, beyond the column's own name. Only columns of the
# file being read are used, so `orderdate` means nothing in customers.csv.
ALIASES: dict[str, tuple[str, ...]] = {
    "customer_id": ("customerno", "customernumber"),
    "first_name": ("givenname", "forename"),
    "last_name": ("surname", "familyname"),
    "email": ("emailaddress",),
    "phone": ("phonenumber", "mobile", "mobilephone", "mobilenumber", "cellphone", "telephone"),
    "name": ("productname",),
    "ordered_at": ("orderdate", "orderedon"),
    "total": ("ordertotal",),
    "quantity": ("qty",),
    "returned_at": ("returndate", "returnedon"),
}


def key(name: str) -> str:
    """`name` without case or anything but letters and digits: the form names are compared in."""
    return "".join(ch for ch in name.casefold() if ch.isalnum())


class ColumnNames:
    """The columns of one file kind, found by any header that means them."""

    def __init__(self, columns: Iterable[str]) -> None:
        self._by_key: dict[str, str] = {}
        for column in columns:
            self._by_key[key(column)] = column
        for column in list(self._by_key.values()):
            for alias in ALIASES.get(column, ()):
                self._by_key.setdefault(alias, column)

    def column(self, header: str) -> str | None:
        """The column `header` stands for, or None when it is not one of them."""
        return self._by_key.get(key(header))

    def suggestion(self, header: str) -> str | None:
        """The column `header` is a likely typo of (one edit, two for long names), if any."""
        typed = key(header)
        if len(typed) < 3:
            return None
        best: tuple[int, str] | None = None
        for known, column in self._by_key.items():
            allowed = 1 if min(len(typed), len(known)) <= 8 else 2
            distance = typo_distance(typed, known)
            if distance <= allowed and (best is None or distance < best[0]):
                best = (distance, column)
        return best[1] if best else None


def typo_distance(a: str, b: str) -> int:
    """Edits turning `a` into `b`, a swap of two neighbouring letters counting as one.

    (`review.editdistance.levenshtein` counts a swap as two, and swaps are the usual typo.)
    """
    if abs(len(a) - len(b)) > 2:
        return 3  # further than any typo this module accepts
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]
