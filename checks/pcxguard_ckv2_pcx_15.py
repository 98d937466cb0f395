"""CKV2_PCX_15: see policies/CKV2_PCX_15.yaml. A thin adapter; the rule lives in pcxguard.rules.

The check applies to many resource types, but judges only the resources an intent's path lands on:
every other resource gets no verdict (UNKNOWN, which checkov leaves out), never a PASSED it was not
judged for."""

import os

from checkov.common.models.enums import CheckResult

from pcxguard.checkov_adapter import (
    CloudFormationPeeringCheck,
    PeeringCheck,
    cloudformation_analysis,
    cloudformation_location,
)


class IntentCheck(PeeringCheck):
    def _verdict(self, conf):
        address = conf.get("__address__")
        analysis = self.analysis_for(conf)
        if analysis is None or not isinstance(address, str) or not analysis.for_resource(self.id, address):
            return CheckResult.UNKNOWN
        return super()._verdict(conf)


class CloudFormationIntentCheck(CloudFormationPeeringCheck):
    def _verdict(self, conf):
        location = cloudformation_location(conf, getattr(self, "entity_path", None))
        if location is None:
            return CheckResult.UNKNOWN
        template, root, logical = location
        analysis = cloudformation_analysis(root, template)
        if not any(f.resource.file and os.path.abspath(f.resource.file) == template
                   for f in analysis.for_resource(self.id, logical)):
            return CheckResult.UNKNOWN
        return super()._verdict(conf)


check = IntentCheck("CKV2_PCX_15")
cfn_check = CloudFormationIntentCheck("CKV2_PCX_15")
