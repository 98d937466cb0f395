"""CKV2_PCX_15: see policies/CKV2_PCX_15.yaml. A thin adapter; the rule lives in pcxguard.rules.
It judges only the resources an intent's path lands on (no unearned PASSED elsewhere)."""

from pcxguard.checkov_adapter import CloudFormationJudgedOnlyCheck, JudgedOnlyCheck

check = JudgedOnlyCheck("CKV2_PCX_15")
cfn_check = CloudFormationJudgedOnlyCheck("CKV2_PCX_15")
