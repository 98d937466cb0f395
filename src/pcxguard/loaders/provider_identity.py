"""Which account and region an AWS provider configuration acts in, with where that was learnt.

Reader-independent and pure: a Terraform reader (the plan reader, the source reader, any future
one) evaluates a provider block's arguments to plain Python values and asks here what they mean.
Nothing here reads a file or knows an expression syntax. The whole call surface:

    place = provider_place("aws.prod", {"region": "us-west-2",
                                        "assume_role": [{"role_arn": "arn:aws:iam::222222222222:role/x"}]},
                           identity="aws.prod")
    place.region   -> Placed("us-west-2", source="the region of provider aws.prod")
    place.account  -> Placed("222222222222", source="the role_arn of provider aws.prod")

    data_source_value("aws_caller_identity", "account_id", {}, place, "data.aws_caller_identity.current")
    data_source_value("aws_region", "name", {}, place, "data.aws_region.current")

Arguments (``attributes``), each as the reader evaluated it: a plain value, ``None`` / absent when the
block does not set it, or an ``Unknown`` when the reader cannot evaluate it:

- ``region``: a string;
- ``assume_role``: a list of blocks (or one block) with ``role_arn``; with several (role chaining) the
  last role is the one the provider acts as;
- ``assume_role_with_web_identity``: the same, one block;
- ``allowed_account_ids`` / ``forbidden_account_ids``: lists of account ids;
- every other argument of the block (``profile``, ``access_key``, ``shared_config_files``, ...), so
  that two provider blocks using the same credentials are known to act in one account
  (``credentials_fingerprint``): pass them all when you can.

What the account is, in order: the account in the ``role_arn`` the provider assumes (AWS: the ARN of
an IAM role names the account that owns it; the provider acts with that role's credentials); else a
single ``allowed_account_ids`` entry (the provider refuses any other account). When neither names it,
the answer is a ``SameAs``: unknown as a value, but "the account of provider X" by identity, so
``peer_owner_id = data.aws_caller_identity.current.account_id`` read through the requester's own
provider is the requester's account by construction (``model.same``). Regions likewise.

Two providers whose credential arguments (all but region, alias, tags and a few transport settings)
are known and equal resolve the same credentials from the same environment: their accounts share an
identity even when the value is unknown (``provider "aws" {region = "us-east-1"}`` and
``provider "aws" {alias = "west" region = "us-west-2"}`` act in one account).

``identity`` must name one provider configuration in one estate (the plan's provider config key
``aws`` / ``aws.prod`` / ``module.net:aws``, or the source reader's module instance and provider
name); two providers with different identities are never assumed to share an account or region.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from pcxguard.model import Maybe, Placed, SameAs, Unknown

ACCOUNT_HINT = ("give the provider an assume_role role_arn or a single allowed_account_ids entry, or set the "
                "account in the inventory of known VPCs in .pcxguard.yaml")
REGION_HINT = "set region in the provider block (AWS_REGION from the environment is not in the code)"
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):")
_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class ProviderPlace:
    """Where one provider configuration acts: a ``Placed`` string, a ``SameAs`` (known by identity only)
    or a plain ``Unknown`` (the configuration contradicts itself)."""

    label: str
    region: Maybe[str]
    account: Maybe[str]


def _blocks(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list):
        return list(value)
    return []


def role_account(role_arn: Any) -> str | None:
    """The account an IAM role ARN names (``arn:aws:iam::111111111111:role/x`` -> ``111111111111``)."""
    if not isinstance(role_arn, str):
        return None
    match = _ROLE_ARN.match(role_arn.strip())
    return match.group(1) if match else None


def provider_region(label: str, attributes: Mapping[str, Any], identity: str | None = None) -> Maybe[str]:
    region = attributes.get("region")
    if isinstance(region, str) and region:
        return Placed(region, f"the region of provider {label}")
    hint = REGION_HINT if region is None else (
        f"give the provider region as a literal or a variable with a value ({region.describe()})"
        if isinstance(region, Unknown) else f"the region {region!r} is not a string")
    return SameAs(f"the region of provider {label}", hint, identity=f"region of {identity or label}")


def provider_account(label: str, attributes: Mapping[str, Any], identity: str | None = None) -> Maybe[str]:
    found: tuple[str, str] | None = None
    undecided: list[str] = []
    for argument in ("assume_role", "assume_role_with_web_identity"):
        blocks = _blocks(attributes.get(argument))
        if isinstance(attributes.get(argument), Unknown):
            undecided.append(f"the {argument} of provider {label} ({attributes[argument].describe()})")
        if not blocks:
            continue
        arn = blocks[-1].get("role_arn") if isinstance(blocks[-1], Mapping) else None
        account = role_account(arn)
        if account is not None:
            found = (account, f"the {argument} role_arn of provider {label}" if argument != "assume_role"
                     else f"the role_arn of provider {label}")
            break
        if arn not in (None, ""):
            undecided.append(f"the {argument} role_arn of provider {label}"
                             + (f" ({arn.describe()})" if isinstance(arn, Unknown) else f" ({arn!r} names no account)"))
    allowed = attributes.get("allowed_account_ids")
    allowed_ids = [str(a) for a in allowed] if isinstance(allowed, list) else []
    forbidden = attributes.get("forbidden_account_ids")
    forbidden_ids = {str(a) for a in forbidden} if isinstance(forbidden, list) else set()
    if found is not None:
        account, source = found
        if allowed_ids and account not in allowed_ids:
            return Unknown(f"the account of provider {label}: its role_arn is in account {account}, which its "
                           f"allowed_account_ids ({', '.join(allowed_ids)}) do not allow", "fix the provider")
        if account in forbidden_ids:
            return Unknown(f"the account of provider {label}: its role_arn is in account {account}, which its "
                           "forbidden_account_ids forbid", "fix the provider")
        return Placed(account, source)
    if len(allowed_ids) == 1 and _ACCOUNT.match(allowed_ids[0]) and not undecided:
        return Placed(allowed_ids[0], f"the single allowed_account_ids entry of provider {label}")
    what = f"the account of provider {label}"
    if len(allowed_ids) > 1:
        what += f" (one of its allowed_account_ids {', '.join(allowed_ids)})"
    if undecided:
        return Unknown(what, "; ".join(undecided))
    credentials = credentials_fingerprint(attributes)
    return SameAs(what, ACCOUNT_HINT, identity=f"account of credentials {credentials}" if credentials
                  else f"account of {identity or label}")


# Provider arguments that never change which credentials (so which account) a provider uses. Every
# other argument counts: two provider blocks of one configuration whose other arguments are all known
# and equal resolve the same credentials from the same environment, so they act in the same account,
# whatever their regions.
NOT_CREDENTIALS = frozenset({
    "region", "alias", "default_tags", "ignore_tags", "skip_region_validation", "skip_requesting_account_id",
    "max_retries", "retry_mode", "http_proxy", "https_proxy", "no_proxy", "insecure", "custom_ca_bundle",
    "s3_use_path_style", "s3_us_east_1_regional_endpoint", "use_dualstack_endpoint", "use_fips_endpoint",
})


def credentials_fingerprint(attributes: Mapping[str, Any]) -> str | None:
    """A stable text of the credential arguments of a provider block, or None when one of them is unknown
    (or holds something that is not a plain value): then no two providers are assumed to share an account."""
    import hashlib
    import json

    def plain(value: Any) -> Any:
        if isinstance(value, Unknown):
            raise ValueError
        if isinstance(value, Mapping):
            return {str(k): plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if value is None or isinstance(value, (str, int, float, bool)):
            return value
        raise ValueError

    try:
        kept = {k: plain(v) for k, v in attributes.items() if k not in NOT_CREDENTIALS}
    except ValueError:
        return None
    # a digest, so no credential text is kept in the model
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()[:16]


def provider_place(label: str, attributes: Mapping[str, Any], identity: str | None = None) -> ProviderPlace:
    """The region and account provider ``label`` acts in, from its evaluated arguments."""
    return ProviderPlace(label, provider_region(label, attributes, identity),
                         provider_account(label, attributes, identity))


def unknown_provider(label: str, why: str, identity: str | None = None,
                     account_why: str | None = None) -> ProviderPlace:
    """A provider the reader cannot find or read: region and account known only by identity. ``why`` says
    how to know both, unless ``account_why`` says it for the account."""
    return ProviderPlace(
        label,
        SameAs(f"the region of provider {label}", why or REGION_HINT, identity=f"region of {identity or label}"),
        SameAs(f"the account of provider {label}", account_why or why or ACCOUNT_HINT,
               identity=f"account of {identity or label}"))


def through(value: Maybe[str], address: str) -> Maybe[str]:
    """A provider's account or region as a data source read through it reports it."""
    if isinstance(value, Placed):
        return Placed(str(value), f"{address}, read through {value.source}", value.inferred)
    return value


def data_source_value(data_type: str, attribute: str, arguments: Mapping[str, Any], place: ProviderPlace,
                      address: str) -> Any:
    """The value of ``data.<data_type>.<name>.<attribute>`` read through the provider ``place``, or
    ``None`` when this module does not model that attribute (the reader keeps its own answer then).

    ``data.aws_caller_identity.*.account_id`` is the provider's account; ``data.aws_region.*.name`` /
    ``.id`` / ``.region`` is the provider's region unless the data source names a region itself."""
    if data_type == "aws_caller_identity" and attribute == "account_id":
        return through(place.account, address)
    if data_type == "aws_region" and attribute in ("name", "id", "region"):
        for argument in ("region", "name"):
            named = arguments.get(argument)
            if isinstance(named, str) and named:
                return Placed(named, f"the {argument} argument of {address}")
            if isinstance(named, Unknown):
                return named
        return through(place.region, address)
    return None
