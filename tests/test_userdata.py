from netaddr import IPNetwork

from pcxguard.userdata import interface_mtus, largest_interface_mtu, route_pins


def test_interface_mtu_forms():
    text = """#!/bin/bash
ip link set dev eth0 mtu 9001
ifconfig eth1 mtu 1500 up
MTU=9000
network:
  ethernets:
    ens5:
      mtu: 8500
nmcli con mod eth0 802-3-ethernet.mtu 9001
netsh interface ipv4 set subinterface "Ethernet" mtu=9001 store=persistent
"""
    assert sorted(interface_mtus(text)) == [1500, 8500, 9000, 9001, 9001, 9001]
    assert largest_interface_mtu(text) == 9001
    assert largest_interface_mtu("#!/bin/sh\necho hello\n") is None


def test_route_pins_read_destination_and_mtu_and_ignore_routes_without_mtu():
    text = "ip route add 10.1.0.0/16 via 10.0.0.1 dev eth0 mtu lock 1500\n" \
           "ip route replace 10.2.0.0/16 via 10.0.0.1 mtu 8500\n" \
           "ip route add 10.3.0.0/16 via 10.0.0.1\n" \
           "ip route add banana via 10.0.0.1 mtu 1500\n"
    assert [(p.destination, p.mtu) for p in route_pins(text)] == [
        (IPNetwork("10.1.0.0/16"), 1500),
        (IPNetwork("10.2.0.0/16"), 8500),
    ]
