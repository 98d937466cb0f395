"""Fill a model ``Host`` from its user data: the one place loaders hand user data to the reader."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pcxguard.model import Host, Unknown
from pcxguard.userdata.formats import read
from pcxguard.userdata.reading import Reading

# A fleet shares a few scripts (1,000 instances, 5 scripts in the benchmark estate): each script is read
# once. The reading is made under a placeholder name; it is reused only when nothing in it but its
# ``name`` field holds the placeholder, so the reading under the real name is exactly that one with the
# name replaced. Bounded: small scripts only, and at most _MEMO_ENTRIES of them.
_PLACEHOLDER = "\x00pcxguard-user-data\x00"
_MEMO: dict[Any, Reading | None] = {}
_MEMO_ENTRIES = 256
_MEMO_MAX_BYTES = 64 * 1024


def _read(data: str | bytes, name: str) -> Reading:
    if len(data) > _MEMO_MAX_BYTES:
        return read(data, name=name)
    key = (type(data), data)
    found = _MEMO.get(key, _MISSING)
    if found is _MISSING:
        reading = read(data, name=_PLACEHOLDER)
        found = reading if _PLACEHOLDER not in repr(replace(reading, name="")) else None
        if len(_MEMO) >= _MEMO_ENTRIES:
            _MEMO.clear()
        _MEMO[key] = found
    if found is None:  # the reading names its host somewhere: read it under the real name
        return read(data, name=name)
    return replace(found, name=name)


_MISSING: Any = object()


def read_into(host: Host, data: Any) -> None:
    """``data``: text, bytes (base64-decoded, possibly gzip), None (no user data) or Unknown."""
    if data is None:
        return
    if isinstance(data, Unknown):
        host.user_data = data
        host.interface_mtu = data
        host.route_pins_unknown = [data.describe()]
        host.mtu_evidence = [f"not read: {data.describe()}"]
        return
    if not isinstance(data, (str, bytes)):
        unknown = Unknown(f"the user data of {host.source.address} ({type(data).__name__}, not text)")
        read_into(host, unknown)
        return
    try:
        reading = _read(data, name=f"the user data of {host.source.address}")
    except Exception as error:  # noqa: BLE001 - a reader bug must not stop the scan; it is shown, never a PASS
        read_into(host, Unknown(f"the user data of {host.source.address}: pcxguard could not read it "
                                f"(internal error {type(error).__name__}: {error})", "please report it"))
        return
    host.user_data = reading.text if reading.text is not None else (data if isinstance(data, str) else None)
    host.interface_mtu = reading.interface_mtu
    host.route_mtu_pins = list(reading.pins)
    host.route_pins_unknown = list(reading.pins_unknown)
    host.mtu_evidence = reading.evidence()
