"""Validation of the values that enter the model: exactly a CIDR of the right family, a boolean.

Loaders call these where a value enters the model, so a rule never sees a value that
only looks right: ``"10.0.0.0/16\\n"``, ``"10.0.0.0/16 "``, fullwidth digits, octal-looking
octets or IPv4 text in an IPv6 field are not CIDR blocks (AWS rejects them too), and a
non-boolean where a boolean belongs is not "not set".
"""

from __future__ import annotations

import re

from netaddr import AddrFormatError, IPNetwork

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}/(?:3[0-2]|[12]?[0-9])")
_IPV6 = re.compile(r"[0-9A-Fa-f:]*:[0-9A-Fa-f:]*/(?:12[0-8]|1[01][0-9]|[1-9]?[0-9])")

# attribute names that hold one address family only (Terraform and CloudFormation spellings)
_V4_ATTRIBUTES = frozenset({"cidr_block", "destination_cidr_block", "cidr_blocks", "cidr_ipv4", "CidrBlock",
                            "DestinationCidrBlock", "CidrIp"})


def family_of(attribute: str) -> int | None:
    """4 or 6 when ``attribute`` holds only that family, None when it may hold either."""
    if "ipv6" in attribute.lower():
        return 6
    if attribute in _V4_ATTRIBUTES or "ipv4" in attribute.lower():
        return 4
    return None


def parse_cidr(text: object, family: int | None = None) -> IPNetwork:
    """``text`` as a network, exactly: raises ValueError saying why it is not a CIDR block of ``family``."""
    if not isinstance(text, str):
        raise ValueError("not text")
    if _IPV4.fullmatch(text):
        version = 4
    elif _IPV6.fullmatch(text):
        version = 6
    else:
        if text != text.strip():
            raise ValueError("surrounding whitespace")
        if not text.isascii():
            raise ValueError("characters other than ASCII digits, letters, '.', ':' and '/'")
        if "." in text and ":" in text:
            raise ValueError("IPv4 text inside an IPv6 block")
        raise ValueError("not an address/prefix-length CIDR block")
    if family is not None and version != family:
        raise ValueError(f"an IPv{version} block where an IPv{family} block belongs")
    try:
        network = IPNetwork(text, version=version)
    except (AddrFormatError, ValueError, TypeError) as error:
        raise ValueError(str(error) or "not a valid address") from error
    return network
