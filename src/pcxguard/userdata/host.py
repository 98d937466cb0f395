"""Fill a model ``Host`` from its user data: the one place loaders hand user data to the reader."""

from __future__ import annotations

from typing import Any

from pcxguard.model import Host, Unknown
from pcxguard.userdata.formats import read


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
        reading = read(data, name=f"the user data of {host.source.address}")
    except Exception as error:  # noqa: BLE001 - a reader bug must not stop the scan; it is shown, never a PASS
        read_into(host, Unknown(f"the user data of {host.source.address}: pcxguard could not read it "
                                f"(internal error {type(error).__name__}: {error})", "please report it"))
        return
    host.user_data = reading.text if reading.text is not None else (data if isinstance(data, str) else None)
    host.interface_mtu = reading.interface_mtu
    host.route_mtu_pins = list(reading.pins)
    host.route_pins_unknown = reading.pins_unknown
    host.mtu_evidence = reading.evidence()
