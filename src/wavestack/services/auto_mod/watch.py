"""Who is new in a channel, join waves that switch it to protective mode, and `!permit`s.

A raid (hostile or not) shows up as many first-time chatters within seconds. When their
number in the window reaches the channel's `raid_new_chatters`, or the platform reports a
raid, the channel is protected for `protect_minutes`: spam rules tighten and newcomers'
links are removed. Times are monotonic seconds, as the judge's.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

KNOWN_PER_CHANNEL = 200_000  # past this, known chatters are forgotten and asked about again


@dataclass
class _Channel:
    known: set[str] = field(default_factory=set)
    arrivals: deque[float] = field(default_factory=deque)  # first-time chatters, when
    newcomers: dict[str, float] = field(default_factory=dict)  # first-time chatter -> when
    protected_until: float = 0.0
    permits: dict[str, float] = field(default_factory=dict)  # casefolded name -> until


@dataclass(frozen=True)
class Arrival:
    """What a chatter's message says about the channel."""

    newcomer: bool  # first seen in this channel lately
    wave: int  # first-time chatters in the window, when this arrival started protection
    protected: bool  # the channel is in protective mode


class ChannelWatch:
    """Per channel: chatters known to have been here, newcomers, protection, permits."""

    def __init__(self) -> None:
        self._channels: dict[str, _Channel] = {}
        self._lock = threading.Lock()

    def _channel(self, channel: str) -> _Channel:
        state = self._channels.get(channel)
        if state is None:
            state = self._channels.setdefault(channel, _Channel())
        return state

    def knows(self, channel: str, user: str) -> bool:
        """Whether the chatter was seen here by this process (else ask the economy)."""
        return user in self._channel(channel).known

    def arrive(
        self,
        channel: str,
        user: str,
        *,
        first_time: bool,
        now: float,
        wave_size: int,
        window: float,
        protect_seconds: float,
    ) -> Arrival:
        """Record a message's author; a join wave switches protection on."""
        with self._lock:
            state = self._channel(channel)
            wave = 0
            if user not in state.known:
                if len(state.known) >= KNOWN_PER_CHANNEL:
                    state.known.clear()
                    state.newcomers.clear()
                state.known.add(user)
                if first_time:
                    state.newcomers[user] = now
                    arrivals = state.arrivals
                    arrivals.append(now)
                    while arrivals and now - arrivals[0] > window:
                        arrivals.popleft()
                    if len(arrivals) >= wave_size and state.protected_until <= now:
                        wave = len(arrivals)
                        state.protected_until = now + protect_seconds
            protected = state.protected_until > now
            arrived = state.newcomers.get(user)
            # A newcomer stays one for as long as protection would last.
            newcomer = arrived is not None and now - arrived <= protect_seconds
            if arrived is not None and not newcomer:
                del state.newcomers[user]
            return Arrival(newcomer=newcomer, wave=wave, protected=protected)

    def protect(self, channel: str, *, now: float, seconds: float) -> None:
        """Switch protective mode on (or extend it)."""
        with self._lock:
            state = self._channel(channel)
            state.protected_until = max(state.protected_until, now + seconds)

    def unprotect(self, channel: str, now: float) -> bool:
        """Switch protective mode off; whether it was on."""
        with self._lock:
            state = self._channel(channel)
            was = state.protected_until > now
            state.protected_until = 0.0
            state.arrivals.clear()
            return was

    def protected_for(self, channel: str, now: float) -> float:
        """Seconds of protective mode left (0: off)."""
        return max(0.0, self._channel(channel).protected_until - now)

    def permit(self, channel: str, name: str, *, now: float, seconds: float) -> None:
        """Let a chatter (by name) post one link within `seconds`."""
        with self._lock:
            self._channel(channel).permits[name.casefold()] = now + seconds

    def take_permit(self, channel: str, name: str, now: float) -> bool:
        """Use up a chatter's permit, if they have one that has not run out."""
        with self._lock:
            until = self._channel(channel).permits.pop(name.casefold(), None)
            return until is not None and until >= now
