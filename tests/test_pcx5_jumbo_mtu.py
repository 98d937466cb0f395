"""CKV2_PCX_5 (jumbo_mtu): unit tests of rules/pcx5_jumbo_mtu.py on hand-built estates, exact verdicts and messages."""

from __future__ import annotations

from netaddr import IPNetwork

from analysed import only, verdicts
from estate_builder import EstateBuilder
from pcxguard.findings import Verdict
from pcxguard.model import RouteMtuPin, Unknown
from pcxguard.settings import Settings


def _mtu_estate(peer_region="us-west-2"):
    b = EstateBuilder()
    b.vpc("east", "10.0.0.0/16", region="us-east-1")
    b.vpc("west", "10.1.0.0/16", region=peer_region)
    b.peering("pcx", "east", "west", peer_region=peer_region)
    b.table("rt_east", "east")
    b.route("to_west", "rt_east", "10.1.0.0/16", "pcx")
    b.subnet("sn_east", "east", "10.0.1.0/24", table="rt_east")
    return b


def test_jumbo_mtu_across_inter_region_peering_fails():
    b = _mtu_estate()
    b.host("aws_instance.app", subnets=["sn_east"], mtu=9001)
    finding = only(b.done(), "CKV2_PCX_5", "aws_instance.app")
    assert finding.verdict is Verdict.FAILED
    assert "sets MTU 9001, above the 8500-byte inter-region peering limit" in finding.message
    assert "to_west sends 10.1.0.0/16 over pcx (us-east-1 to us-west-2)" in finding.message
    assert "ip route add 10.1.0.0/16 via <gateway> dev eth0 mtu lock 8500" in finding.fix
    # peerings first, then the routes over them, in path order: the same on every run (it was a set,
    # ordered by string hashes, so SARIF and JSON reports changed from run to run)
    assert [s.address for s in finding.related] == ["pcx", "to_west"]


def test_mtu_pinned_on_the_peer_route_passes_and_a_pin_too_high_fails():
    b = _mtu_estate()
    b.host("pinned", subnets=["sn_east"], mtu=9001, pins=[RouteMtuPin(IPNetwork("10.1.0.0/16"), 1500)])
    b.host("pinned_high", subnets=["sn_east"], mtu=9001, pins=[RouteMtuPin(IPNetwork("10.1.0.0/16"), 9001)])
    assert verdicts(b.done(), "CKV2_PCX_5") == {"pinned": "PASSED", "pinned_high": "FAILED"}


def test_same_region_peering_allows_jumbo_frames_and_limit_is_a_setting():
    b = _mtu_estate(peer_region="us-east-1")
    b.host("h", subnets=["sn_east"], mtu=9001)
    assert verdicts(b.done(), "CKV2_PCX_5") == {"h": "PASSED"}
    b2 = _mtu_estate()
    b2.host("h", subnets=["sn_east"], mtu=8500)
    estate = b2.done()
    assert verdicts(estate, "CKV2_PCX_5") == {"h": "PASSED"}
    assert verdicts(estate, "CKV2_PCX_5", Settings(inter_region_mtu=1500)) == {"h": "FAILED"}


def test_unset_mtu_passes_and_unknown_user_data_cannot_tell():
    b = _mtu_estate()
    b.host("plain", subnets=["sn_east"])
    b.host("templated", subnets=["sn_east"], mtu=Unknown("user data from templatefile"))
    assert verdicts(b.done(), "CKV2_PCX_5") == {"plain": "PASSED", "templated": "UNKNOWN"}


def test_subnet_outside_scan_cannot_tell():
    b = _mtu_estate()
    b.host("h", subnets=["subnet-0abc"], mtu=9001)
    assert verdicts(b.done(), "CKV2_PCX_5") == {"h": "UNKNOWN"}
