"""What a security-group rule's group reference joins: shared by CKV2_PCX_4 and CKV2_PCX_11."""

from __future__ import annotations

from dataclasses import dataclass

from pcxguard.findings import Finding, cannot_tell, passed
from pcxguard.model import Estate, SecurityGroup, SecurityGroupRule, Unknown, Vpc, is_known
from pcxguard.rules._describe import INVENTORY_HINT


def rule_label(rule: SecurityGroupRule) -> str:
    if rule.holder.resource_type in ("aws_security_group", "AWS::EC2::SecurityGroup"):
        return f"{rule.direction} rule of {rule.holder.address}"
    return rule.holder.address


@dataclass(frozen=True)
class Reference:
    """A rule whose own group and referenced group, and both their VPCs, are known and different."""

    rule: SecurityGroupRule
    label: str
    own: SecurityGroup
    theirs: SecurityGroup
    own_vpc: Vpc
    their_vpc: Vpc


def resolve(estate: Estate, rule: SecurityGroupRule, check_id: str) -> Reference | Finding | None:
    """None: the rule references no other group. A Finding: the verdict is already clear (same VPC
    passes) or cannot be told. A Reference: the two VPCs, for the check to judge."""
    if rule.referenced_group is None or rule.self_reference:
        return None
    label = rule_label(rule)
    subject = rule.key
    if not is_known(rule.referenced_group):
        return cannot_tell(check_id, rule.holder, f"Cannot tell which group {label} references.",
                           [rule.referenced_group.describe()], subject=subject)  # type: ignore[union-attr]
    own = estate.security_group(rule.group) if is_known(rule.group) else None
    theirs = estate.security_group(rule.referenced_group)
    missing = []
    if own is None:
        what = rule.group.describe() if isinstance(rule.group, Unknown) else f"group {rule.group} is outside the scan"
        missing.append(f"the group that owns {label}: {what}")
    if theirs is None:
        where = "is not declared in the scanned code" if "sg-" in str(rule.referenced_group) else "is not in the scan"
        missing.append(f"referenced group {rule.referenced_group} {where}; "
                       f"{INVENTORY_HINT.replace('known VPCs', 'known VPCs and their security groups')}")
    if missing:
        return cannot_tell(check_id, rule.holder, f"Cannot tell which VPC the group {label} references lives in.",
                           missing, subject=subject)
    assert own is not None and theirs is not None
    own_vpc, their_vpc = estate.group_vpc(own), estate.group_vpc(theirs)
    if own_vpc is None or their_vpc is None:
        return cannot_tell(check_id, rule.holder, f"Cannot tell the VPCs of the groups in {label}.",
                           [f"the VPC of {g.source.address}" for g, v in ((own, own_vpc), (theirs, their_vpc))
                            if v is None], subject=subject)
    if own_vpc is their_vpc:
        return passed(check_id, rule.holder, f"{label} references a group in its own VPC.", subject=subject)
    return Reference(rule, label, own, theirs, own_vpc, their_vpc)
