"""What a host's user data says about its MTU.

Recognises the common ways to set an interface MTU (``ip link``, ``ifconfig``,
``ifcfg`` ``MTU=``, netplan / cloud-init ``mtu:``, NetworkManager, Windows
``netsh``) and per-route MTU pins (``ip route add|replace|change DEST ... mtu
[lock] N``). Pure text analysis; addresses go through netaddr.
"""

from __future__ import annotations

import re

from netaddr import AddrFormatError, IPNetwork

from pcxguard.model import RouteMtuPin

_INTERFACE_MTU = [
    re.compile(r"\bip\s+(?:-\S+\s+)*link\s+set\b[^\n;&|]*?\bmtu\s+(\d+)", re.I),
    re.compile(r"\bifconfig\s+\S+[^\n;&|]*?\bmtu\s+(\d+)", re.I),
    re.compile(r"^\s*MTU\s*=\s*[\"']?(\d+)", re.I | re.M),
    re.compile(r"^\s*mtu\s*:\s*[\"']?(\d+)", re.I | re.M),
    re.compile(r"\b(?:802-3-ethernet|ethernet)\.mtu\s+(\d+)", re.I),
    re.compile(r"\bnetsh\s+interface\s+ipv[46]\s+set\s+subinterface\b[^\n]*?\bmtu\s*=\s*(\d+)", re.I),
    re.compile(r"\bSet-NetIPInterface\b[^\n]*?-NlMtuBytes\s+(\d+)", re.I),
]
_ROUTE_PIN = re.compile(
    r"\bip\s+(?:-\S+\s+)*route\s+(?:add|replace|change|append)\s+(\S+)([^\n;&|]*)", re.I
)
_ROUTE_MTU = re.compile(r"\bmtu\s+(?:lock\s+)?(\d+)", re.I)


def interface_mtus(text: str) -> list[int]:
    found = []
    for pattern in _INTERFACE_MTU:
        found.extend(int(m.group(1)) for m in pattern.finditer(text))
    return found


def route_pins(text: str) -> list[RouteMtuPin]:
    pins = []
    for match in _ROUTE_PIN.finditer(text):
        destination, rest = match.group(1), match.group(2)
        mtu = _ROUTE_MTU.search(rest)
        if not mtu:
            continue
        if destination == "default":
            destination = "0.0.0.0/0"
        try:
            network = IPNetwork(destination)
        except (AddrFormatError, ValueError):
            continue
        pins.append(RouteMtuPin(network.cidr, int(mtu.group(1))))
    return pins


def largest_interface_mtu(text: str) -> int | None:
    mtus = interface_mtus(text)
    return max(mtus) if mtus else None
