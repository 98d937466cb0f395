"""CKV2_PCX_16: see policies/CKV2_PCX_16.yaml. A thin adapter; the rule lives in pcxguard.rules."""

from pcxguard.checkov_adapter import PeeringCheck

check = PeeringCheck("CKV2_PCX_16")
from pcxguard.checkov_adapter import CloudFormationPeeringCheck  # noqa: E402

cfn_check = CloudFormationPeeringCheck("CKV2_PCX_16")
