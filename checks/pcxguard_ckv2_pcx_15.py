"""CKV2_PCX_15: see policies/CKV2_PCX_15.yaml. A thin adapter; the rule lives in pcxguard.rules."""

from pcxguard.checkov_adapter import PeeringCheck

check = PeeringCheck("CKV2_PCX_15")
from pcxguard.checkov_adapter import CloudFormationPeeringCheck

cfn_check = CloudFormationPeeringCheck("CKV2_PCX_15")
