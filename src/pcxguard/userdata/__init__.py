"""A reader of EC2 user data, not a grep: what MTU a host sets, and which routes it pins.

``read_user_data(data)`` decodes what cloud-init (and EC2Launch) decode and returns a
``Reading`` (see ``reading.py``): the interface MTU (int, None when nothing sets it, or Unknown
when something the reader cannot see could set it), the route MTU pins with their address family,
and what was read where. ``formats.py`` holds the decoding and the files read by path,
``shell.py`` the shell reader. Pure Python; nothing here imports checkov.
"""

from __future__ import annotations

from pcxguard.model import RouteMtuPin
from pcxguard.userdata.formats import read as read_user_data
from pcxguard.userdata.reading import MtuSetting, Reading

__all__ = ["MtuSetting", "Reading", "read_user_data", "interface_mtus", "largest_interface_mtu", "route_pins"]


def interface_mtus(text: str) -> list[int]:
    """Every literal interface MTU the user data sets (kept for callers of the old reader)."""
    return [s.mtu for s in read_user_data(text).settings if isinstance(s.mtu, int)]


def largest_interface_mtu(text: str) -> object:
    """The host's interface MTU: int, None (not set) or Unknown (kept for callers of the old reader)."""
    return read_user_data(text).interface_mtu


def route_pins(text: str) -> list[RouteMtuPin]:
    return list(read_user_data(text).pins)
