"""CKV2_PCX_2's fix names the resources as written: a CloudFormation logical id keeps its case (the fix
once read "add to main route table of myvpc ... with target vpcpeeringconnection"), and a main table that
several subnets use is named once."""

from __future__ import annotations

from estate_builder import EstateBuilder

from pcxguard.engine import analyse
from pcxguard.findings import Verdict


def test_the_fix_keeps_the_case_of_the_names_and_names_the_main_table_once():
    b = EstateBuilder()
    b.vpc("SharedVpc", "10.0.0.0/16")
    b.vpc("DevVpc", "10.1.0.0/16")
    b.peering("VpcPeeringConnection", "SharedVpc", "DevVpc")
    b.table("SharedRouteTable", "SharedVpc")
    b.subnet("SharedSubnet", "SharedVpc", "10.0.1.0/24", table="SharedRouteTable")
    b.subnet("DevPublicSubnet1", "DevVpc", "10.1.1.0/24")  # both on DevVpc's main table
    b.subnet("DevPublicSubnet2", "DevVpc", "10.1.2.0/24")
    b.route("SharedToDev", "SharedRouteTable", "10.1.0.0/16", "VpcPeeringConnection")
    b.estate.reindex()
    (finding,) = [f for f in analyse(b.estate).findings if f.check_id == "CKV2_PCX_2"]
    assert finding.verdict is Verdict.FAILED
    assert finding.fix == ("Add to main route table of DevVpc a route to 10.0.1.0/24 with target "
                           "VpcPeeringConnection.")
    assert finding.message.count("main route table of DevVpc lacks") == 1
