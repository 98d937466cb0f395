"""Hosts (instances, launch templates, launch configurations): facts -> ``Host``.

One translation for every format: user data given base64-encoded is decoded (text that is not base64
is a problem and an Unknown, never "no user data"); the user data is read for the interface MTU and the
route MTU pins it sets (``pcxguard.userdata``); a host's security groups are listed once each, in order.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Iterable

from pcxguard.mapping.common import Origin, unique
from pcxguard.model import Estate, Host, Unknown
from pcxguard.userdata.host import read_into


def decoded(origin: Origin, encoded: str | bytes, advice: str = "") -> bytes | Unknown:
    """User data given base64-encoded, decoded (possibly gzip: ``read_into`` reads it); ``advice`` ends the
    problem when it is not base64 ("; ignored", " (wrap it in Fn::Base64)")."""
    if isinstance(encoded, bytes):
        return encoded
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        origin.report(f"user data of {origin.name} is not valid base64{advice}")
        return Unknown(f"user data of {origin.name} (not valid base64)")


def map_host(estate: Estate, key: str, origin: Origin, *, subnets: Iterable[Any], security_groups: Iterable[Any],
             instance_type: Any, user_data: Any) -> Host:
    """A host of the estate: the subnets and groups it is placed in (links; unset ones left out), its
    instance type (None when unset), and its user data as the instance gets it (text, bytes, None or an
    Unknown)."""
    host = Host(key, origin.source)
    host.subnets = [s for s in subnets if s is not None]
    host.security_groups = unique(security_groups)
    if isinstance(instance_type, (str, Unknown)) and instance_type != "":
        host.instance_type = instance_type
    read_into(host, user_data)
    estate.hosts[key] = host
    return host
