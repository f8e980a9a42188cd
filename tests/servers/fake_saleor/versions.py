"""A small npm-style semver range check for the manifest's `requiredSaleorVersion`."""

from __future__ import annotations

import re

_COMPARATOR = re.compile(r"^(>=|<=|>|<|=|\^|~)?v?(\d+|x|\*)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$")
Version = tuple[int, int, int]


def parse_version(text: str) -> Version:
    """ "3.23.28" -> (3, 23, 28)."""
    major, minor, patch = [*text.split("."), "0", "0"][:3]
    return int(major), int(minor), int(patch)


def _bounds(op: str, parts: list[str | None]) -> list[tuple[str, Version]]:
    """Expand one comparator into (operator, version) bounds."""
    nums: list[int] = []
    for part in parts:
        if part is None or part in ("x", "*"):
            break
        nums.append(int(part))
    if not nums:
        return []
    padded = nums + [0] * (3 - len(nums))
    base: Version = (padded[0], padded[1], padded[2])
    partial = len(nums) < 3

    def bump(index: int) -> Version:
        major, minor, _ = base
        return (major + 1, 0, 0) if index == 0 else (major, minor + 1, 0)

    if op in ("", "=") and partial:
        return [(">=", base), ("<", bump(len(nums) - 1))]
    if op == "^":
        return [(">=", base), ("<", bump(0 if base[0] else 1))]
    if op == "~":
        return [(">=", base), ("<", bump(1 if len(nums) > 1 else 0))]
    if op == ">" and partial:
        return [(">=", bump(len(nums) - 1))]
    if op == "<=" and partial:
        return [("<", bump(len(nums) - 1))]
    return [(op or "=", base)]


def _holds(version: Version, op: str, bound: Version) -> bool:
    return {
        ">=": version >= bound,
        ">": version > bound,
        "<=": version <= bound,
        "<": version < bound,
        "=": version == bound,
    }[op]


def satisfies(version: str, range_text: str) -> bool:
    """Whether `version` matches a range like ">=3.20 <4" or "^3.20 || 4.x".

    Raises ValueError for ranges this helper does not understand.
    """
    current = parse_version(version)
    for alternative in range_text.split("||"):
        comparators = alternative.split()
        if not comparators:
            raise ValueError(f"empty range in {range_text!r}")
        bounds = []
        for comparator in comparators:
            match = _COMPARATOR.match(comparator)
            if not match:
                raise ValueError(f"unsupported version range {range_text!r}")
            bounds.extend(_bounds(match.group(1) or "", list(match.groups()[1:])))
        if all(_holds(current, op, bound) for op, bound in bounds):
            return True
    return False
