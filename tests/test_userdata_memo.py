"""A script shared by many instances is read once (issue 14), and each host still gets exactly the
reading made under its own name."""

from __future__ import annotations

import pytest

from pcxguard.model import Host, Source
from pcxguard.userdata import host as host_reader
from pcxguard.userdata.formats import read

SCRIPTS = [
    "#!/bin/bash\nip link set dev eth0 mtu 9001\n",
    "#!/bin/bash\nip link set dev eth0 mtu $MTU\n",  # unknown: its Unknown names the user data
    "#cloud-config\nruncmd:\n  - ip route add 10.1.0.0/16 dev eth0 mtu 1400\n",
    "#!/bin/bash\nif [ -f /x ]; then ip link set dev eth0 mtu 1500; fi\n",
]


def _host(address: str) -> Host:
    return Host(address, Source("terraform", "aws_instance", address, "main.tf", 1, 5))


@pytest.mark.parametrize("script", SCRIPTS)
def test_each_host_gets_the_reading_under_its_own_name(script):
    host_reader._MEMO.clear()
    for address in ("aws_instance.a", "aws_instance.b"):
        host = _host(address)
        host_reader.read_into(host, script)
        direct = read(script, name=f"the user data of {address}")
        assert host.interface_mtu == direct.interface_mtu
        assert host.route_mtu_pins == list(direct.pins)
        assert host.route_pins_unknown == direct.pins_unknown
        assert host.mtu_evidence == direct.evidence()
    assert len(host_reader._MEMO) == 1
