"""mapping.hosts: placement, instance type and user data (-> MTU) of hosts, from any format."""

from __future__ import annotations

import base64

from mapping_inputs import cloudformation, neutral, origin, terraform
from pcxguard.mapping import hosts
from pcxguard.model import Estate, Unknown

USER_DATA = "#!/bin/bash\nip link set dev eth0 mtu 9001\n"


def test_base64_user_data_is_decoded_or_a_problem():
    o, problems = origin("aws_instance.h", resource_type="aws_instance")
    assert hosts.decoded(o, base64.b64encode(b"abc").decode()) == b"abc"
    assert hosts.decoded(o, b"\x1f\x8b") == b"\x1f\x8b"
    assert problems == []
    assert hosts.decoded(o, "not base64!", "; ignored") == Unknown("user data of aws_instance.h (not valid base64)")
    assert problems == [("user data of aws_instance.h is not valid base64; ignored", True)]


def test_map_host_places_the_host_and_reads_its_user_data():
    estate = Estate("t")
    o, _ = origin("aws_instance.h", resource_type="aws_instance")
    host = hosts.map_host(estate, "aws_instance.h", o, subnets=[None, "aws_subnet.s"],
                          security_groups=["sg-1", None, "sg-2", "sg-1"], instance_type="", user_data=USER_DATA)
    assert estate.hosts == {"aws_instance.h": host}
    assert (host.subnets, host.security_groups, host.instance_type) == (["aws_subnet.s"], ["sg-1", "sg-2"], None)
    assert (host.user_data, host.interface_mtu) == (USER_DATA, 9001)
    unset = hosts.map_host(estate, "aws_instance.u", o, subnets=[], security_groups=[], instance_type=Unknown("t"),
                           user_data=None)
    assert (unset.user_data, unset.interface_mtu, unset.instance_type) == (None, None, Unknown("t"))


def test_terraform_and_cloudformation_give_the_same_host():
    encoded = base64.b64encode(USER_DATA.encode()).decode()
    tf = terraform({"aws_instance.h": {"subnet_id": "subnet-1", "vpc_security_group_ids": ["sg-1", "sg-1"],
                                       "instance_type": "c5.large", "user_data_base64": encoded}})
    cfn = cloudformation({"H": {"Type": "AWS::EC2::Instance", "Properties": {
        "SubnetId": "subnet-1", "SecurityGroupIds": ["sg-1", "sg-1"], "InstanceType": "c5.large",
        "UserData": encoded}}})
    tf_host, cfn_host = tf.hosts["aws_instance.h"], cfn.hosts["t.yaml#H"]
    assert neutral(tf_host, "mtu_evidence") == neutral(cfn_host, "mtu_evidence")
    assert (tf_host.subnets, tf_host.security_groups, tf_host.interface_mtu) == (["subnet-1"], ["sg-1"], 9001)
    bad_tf = terraform({"aws_instance.h": {"user_data_base64": "%%%"}})
    bad_cfn = cloudformation({"H": {"Type": "AWS::EC2::Instance", "Properties": {"UserData": "%%%"}}})
    assert bad_tf.hosts["aws_instance.h"].user_data == Unknown("user data of aws_instance.h (not valid base64)")
    assert [p.message for p in bad_tf.problems] == ["user data of aws_instance.h is not valid base64; ignored"]
    assert [p.message for p in bad_cfn.problems] == ["user data of H is not valid base64 (wrap it in Fn::Base64)"]
