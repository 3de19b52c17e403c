"""Who may act on drafts: an allow-list of Slack user ids and/or one user group's members.

Group members come from `usergroups.users.list`, cached briefly so a busy review does not
call it on every click, and refreshed after `ttl` so someone removed from the group loses
access within a minute. With neither setting, nobody may act (closed by default); when the
group cannot be read, only the allow-list counts.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)

GROUP_TTL = 60.0
NAME_TTL = 3600.0


def parse_ids(value: str | Iterable[str] | None) -> frozenset[str]:
    """`"U1, U2"` or a list -> {"U1", "U2"}."""
    if value is None:
        return frozenset()
    items = value.split(",") if isinstance(value, str) else value
    return frozenset(item.strip() for item in items if item and item.strip())


class Authorizer:
    """Answers "may this Slack user approve, edit, regenerate or reject drafts?"."""

    def __init__(
        self,
        client: WebClient,
        *,
        users: Iterable[str] = (),
        usergroup: str | None = None,
        ttl: float = GROUP_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.users = frozenset(users)
        self.usergroup = usergroup or None
        self.ttl = ttl
        self.clock = clock
        self._members: frozenset[str] = frozenset()
        self._fetched_at: float | None = None
        self._names: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()
        if not self.users and not self.usergroup:
            logger.warning(
                "slack.no_reviewers: set SLACK_ALLOWED_USERS or SLACK_ALLOWED_USERGROUP; "
                "until then every action is refused"
            )

    def allowed(self, user_id: str) -> bool:
        """Whether `user_id` is on the allow-list or in the user group."""
        if not user_id:
            return False
        if user_id in self.users:
            return True
        return self.usergroup is not None and user_id in self._group_members()

    def _group_members(self) -> frozenset[str]:
        if self.usergroup is None:
            return frozenset()
        with self._lock:
            now = self.clock()
            if self._fetched_at is not None and now - self._fetched_at < self.ttl:
                return self._members
            try:
                response = self.client.usergroups_users_list(usergroup=self.usergroup)
            except SlackApiError as exc:
                logger.warning("slack.usergroup_unreadable error=%s", exc.response.get("error"))
                return self._members if self._fetched_at is not None else frozenset()
            except OSError as exc:
                logger.warning("slack.usergroup_unreadable error=%s", type(exc).__name__)
                return self._members if self._fetched_at is not None else frozenset()
            self._members = parse_ids(response.get("users") or [])
            self._fetched_at = now
            return self._members

    def display_name(self, user_id: str) -> str | None:
        """The person's Slack name for the audit log (users.info, cached); None if unknown."""
        with self._lock:
            cached = self._names.get(user_id)
            if cached is not None and self.clock() - cached[0] < NAME_TTL:
                return cached[1]
        name: str | None = None
        try:
            user = self.client.users_info(user=user_id).get("user") or {}
            profile = user.get("profile") or {}
            name = profile.get("display_name") or user.get("real_name") or user.get("name")
        except (SlackApiError, OSError) as exc:
            logger.info("slack.user_unknown error=%s", type(exc).__name__)
        with self._lock:
            self._names[user_id] = (self.clock(), name or None)
        return name or None
