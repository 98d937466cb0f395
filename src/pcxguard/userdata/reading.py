"""What a host's user data says about its MTU: the value type the reader returns.

A ``Reading`` lists every MTU setting it found (interface, value, where), every route MTU pin,
and everything it could not read (an include part, a downloaded script, a shell variable). The
host's interface MTU is the largest of the last value set per interface (a later statement for
the same interface replaces an earlier one, unless it may not run: inside ``if`` / ``case`` / a loop
or after ``&&`` / ``||`` it only adds a possible value; a file written to the disk is its own interface
entry, since it takes effect on the next network restart or boot). Anything unread that could
set the MTU makes the MTU ``Unknown``: never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pcxguard.model import RouteMtuPin, Unknown

HINT = ("write the MTU literally in the user data (for example `ip link set dev eth0 mtu 1500`), "
        "or lower it on the routes to the peer (`ip route add <peer CIDR> ... mtu lock 8500`)")


@dataclass(frozen=True)
class MtuSetting:
    """One statement that sets an interface MTU."""

    interface: str  # "eth0", "file /etc/sysconfig/network-scripts/ifcfg-eth0"; "" when not named
    mtu: int | Unknown
    where: str  # "part 2 (text/x-shellscript) line 3"
    statement: str  # the statement, shortened
    conditional: bool = False  # inside if / case / a loop, or after && / ||: it may not run

    def describe(self) -> str:
        value = self.mtu if isinstance(self.mtu, int) else f"unknown ({self.mtu.what})"
        return f"{self.where}: {self.statement} -> MTU {value}"


@dataclass(frozen=True)
class Reading:
    settings: tuple[MtuSetting, ...] = ()
    pins: tuple[RouteMtuPin, ...] = ()
    unread: tuple[str, ...] = ()  # what could set the MTU or a pin but cannot be read (-> Unknown)
    pins_unread: tuple[str, ...] = ()  # route pins whose destination or MTU is not known
    notes: tuple[str, ...] = ()  # what was read: "part 1: #cloud-config", "not run by cloud-init"
    text: str | None = None  # the decoded top-level text (None when it is binary or not decodable)
    name: str = "the user data"

    @property
    def final_settings(self) -> list[MtuSetting]:
        """Per interface, the last setting that surely runs and every conditional one after it."""
        last: dict[str, list[MtuSetting]] = {}
        for index, setting in enumerate(self.settings):
            key = setting.interface or f"#{index}"
            if setting.conditional:
                last.setdefault(key, []).append(setting)
            else:
                last[key] = [setting]
        return [s for settings in last.values() for s in settings]

    @property
    def interface_mtu(self) -> int | None | Unknown:
        final = self.final_settings
        unknown = [s for s in final if isinstance(s.mtu, Unknown)]
        if unknown or self.unread:
            reasons = [f"{s.where}: {s.mtu.what}" for s in unknown if isinstance(s.mtu, Unknown)]
            reasons += list(self.unread)
            return Unknown(f"the MTU {self.name} sets: " + "; ".join(dict.fromkeys(reasons)), HINT)
        known = [s.mtu for s in final if isinstance(s.mtu, int)]
        return max(known) if known else None

    @property
    def pins_unknown(self) -> list[str]:
        return list(dict.fromkeys([*self.pins_unread, *self.unread]))

    def evidence(self) -> list[str]:
        """What was read and where, for messages and ``pcxguard explain``."""
        return [*self.notes, *(s.describe() for s in self.settings),
                *(f"{p.where}: route MTU pin {p.destination} mtu {p.mtu}" for p in self.pins),
                *(f"not read: {u}" for u in self.unread)]


@dataclass
class Collector:
    """Mutable state while reading one user data document."""

    name: str = "the user data"
    settings: list[MtuSetting] = field(default_factory=list)
    pins: list[RouteMtuPin] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    pins_unread: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: dict[str, tuple[str | None, str]] = field(default_factory=dict)  # path -> (content|None: unknown, where)
    budget: int = 20000  # statements and lines left to read (bounded work)

    def mtu(self, interface: str, value: int | Unknown, where: str, statement: str, conditional: bool = False) -> None:
        self.settings.append(MtuSetting(interface, value, where, _short(statement), conditional))

    def pin(self, pin: RouteMtuPin) -> None:
        self.pins.append(pin)

    def cannot_read(self, what: str) -> None:
        if what not in self.unread:
            self.unread.append(what)

    def write(self, path: str, content: str | None, where: str, append: bool = False) -> None:
        before = self.files.get(path, (None, ""))[0] if append else ""
        if append and path not in self.files:
            before = ""
        if content is None or before is None:
            self.files[path] = (None, where)
        else:
            self.files[path] = (before + content, where)

    def spend(self, amount: int = 1) -> bool:
        self.budget -= amount
        return self.budget >= 0

    def reading(self, text: str | None) -> Reading:
        return Reading(tuple(self.settings), tuple(self.pins), tuple(self.unread), tuple(self.pins_unread),
                       tuple(self.notes), text, self.name)


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.replace("\x00", "$").split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
