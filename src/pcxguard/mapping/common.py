"""What every mapper shares: who states the facts (``Origin``), and how a CIDR block, a boolean or a
string enters the model (validated exactly once, whatever the input format)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Protocol, TypeVar

from netaddr import AddrFormatError, IPNetwork

from pcxguard.model import Source, Unknown
from pcxguard.values import family_of, parse_cidr

T = TypeVar("T")


class Report(Protocol):
    """Records a ``LoadProblem`` on the element being mapped: an invalid value (``fails_closed``), or with
    ``fails_closed=False`` a note about a value that was still read (host bits dropped)."""

    def __call__(self, message: str, fails_closed: bool = True) -> None: ...


@dataclass(frozen=True)
class Origin:
    """The resource that states the facts a mapper reads.

    ``name`` is how an ``Unknown`` and a note name it (``aws_vpc.a``, ``Vpc``), ``where`` how a problem
    does (``aws_vpc.a``, ``Vpc in network.yaml``; ``name`` when not given). ``blank_ipv6_is_unset``:
    the format writes ``""`` for "no IPv6 block" (the AWS provider's state does), so it is not a problem.
    """

    source: Source
    name: str
    report: Report
    where: str = ""
    blank_ipv6_is_unset: bool = False

    @property
    def place(self) -> str:
        return self.where or self.name


@lru_cache(maxsize=65536)
def _cidr(text: str, family: int | None) -> tuple[IPNetwork, IPNetwork]:
    """A CIDR string parsed once, with its network without host bits (the same object when it has
    none): an estate repeats each VPC's blocks in its peers' routes and rules. The network objects
    are shared, so nothing may change them (nothing does)."""
    network = parse_cidr(text, family)  # exactly a CIDR block of the family (ValueError otherwise)
    # netaddr compares a network's range, not its host bits (IPNetwork("10.0.0.1/16") == "10.0.0.0/16"), so
    # the host bits are compared as addresses: a block written with them is read as its network, with a note
    return network, (network if network.ip == network.network else network.cidr)


def network(origin: Origin, value: Any, attribute: str) -> Any:
    """A CIDR value as it enters the model: None (unset), an ``Unknown`` or a network as given, or exactly a block of
    the attribute's family (``family_of``) without host bits. Anything else is a problem and an Unknown,
    never "unset"; ``""`` too, except for an IPv6 attribute where the origin writes it for "no block"."""
    if value is None or isinstance(value, IPNetwork):  # unset, or already read (the inventory's blocks)
        return value
    family = family_of(attribute)
    if value == "":
        if family == 6 and origin.blank_ipv6_is_unset:
            return None
        origin.report(f"{attribute} of {origin.place} is an empty string, not a CIDR block")
        return Unknown(f"{attribute} of {origin.name} (an empty string is not a CIDR block)", "fix the value")
    if isinstance(value, Unknown):
        return value
    if not isinstance(value, str) or "/" not in value:
        origin.report(f"{attribute} {value!r} of {origin.place} is not a CIDR block; ignored")
        return Unknown(f"{attribute} of {origin.name} ({value!r} is not a CIDR block)", "fix the value")
    try:
        parsed, cidr = _cidr(value, family)
    except (AddrFormatError, ValueError, TypeError) as error:
        origin.report(f"{attribute} {value!r} of {origin.place} is not a valid CIDR block ({error}); ignored")
        return Unknown(f"{attribute} of {origin.name} ({value!r} is not a valid CIDR block: {error})", "fix the value")
    if cidr is not parsed:
        origin.report(f"{attribute} {value!r} of {origin.name} has host bits set (AWS expects {cidr}); using {cidr}",
                      fails_closed=False)
    return cidr


def present_network(origin: Origin, value: Any, attribute: str) -> Any:
    """A CIDR attribute the input sets: a network or an Unknown, never None (a value that resolves to
    nothing, such as CloudFormation's ``AWS::NoValue``, is a problem)."""
    result = network(origin, value, attribute)
    if result is None:
        origin.report(f"{attribute} of {origin.place} is set but resolves to no value")
        return Unknown(f"{attribute} of {origin.place} resolves to no value", "fix the value")
    return result


def checked(origin: Origin, attribute: str, value: Any, kind: type, expected: str | None = None) -> Any:
    """An optional value as it enters the model: None (unset), a value of ``kind`` (a ``Placed`` string
    counts as a string), or an Unknown with a problem for anything else (``auto_accept = 5`` or ``"true"``,
    an empty region or account): a wrong value is never read as "not set". ``expected`` names what
    belongs there in the messages (default: "true or false" / "a non-empty string")."""
    if value is None or isinstance(value, Unknown) or (
            (type(value) is kind or (kind is str and isinstance(value, str))) and value != ""):
        return value
    what = "an empty string" if value == "" else f"{value!r}"
    expected = expected or ("true or false" if kind is bool else "a non-empty string")
    origin.report(f"{attribute} of {origin.place} is {what}, not {expected}")
    return Unknown(f"{attribute} of {origin.name} ({what} is not {expected})", "fix the value")


def unique(values: Iterable[T]) -> list[T]:
    """``values`` in order, each once, without None (links of a host: groups, subnets)."""
    return list(dict.fromkeys(v for v in values if v is not None))
