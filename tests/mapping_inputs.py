"""Small inputs for the mapper tests: a recording ``Origin``, and the same resources fed through the
Terraform builder (a minimal reader) and the CloudFormation builder, to show both give one model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pcxguard.loaders.cfn_intrinsics import Template
from pcxguard.loaders.cloudformation import CloudFormationBuilder
from pcxguard.loaders.terraform_common import build_estate
from pcxguard.mapping.common import Origin
from pcxguard.model import Estate, Source
from pcxguard.stack_config import StackSettings

REGION, ACCOUNT = "us-east-1", "111111111111"


class Problems(list):
    """The problems a mapper reported: (message, fails_closed)."""

    def __call__(self, message: str, fails_closed: bool = True) -> None:
        self.append((message, fails_closed))


def origin(name: str = "aws_vpc.a", where: str = "", blank_ipv6_is_unset: bool = False,
           resource_type: str = "aws_vpc") -> tuple[Origin, Problems]:
    problems = Problems()
    source = Source("terraform_plan", resource_type, name, "main.tf", 1, 5)
    return Origin(source, name, problems, where=where, blank_ipv6_is_unset=blank_ipv6_is_unset), problems


@dataclass(frozen=True)
class Instance:
    address: str
    type: str


class Reader:
    """A Terraform reader over ``{address: attributes}`` (the type is the address's first part)."""

    kind = "terraform"  # a root module's source: a VPC without an id is not one the change creates

    def __init__(self, resources: dict[str, dict[str, Any]]) -> None:
        self.attributes = resources
        self._instances = [Instance(address, address.split(".")[0]) for address in resources]

    def resources(self) -> list[Instance]:
        return self._instances

    def value(self, instance: Instance, path: tuple[Any, ...]) -> Any:
        value: Any = self.attributes[instance.address]
        for step in path:
            if isinstance(value, dict):
                value = value.get(step)
            elif isinstance(value, list) and isinstance(step, int) and step < len(value):
                value = value[step]
            else:
                return None
        return value

    def references(self, instance: Instance, path: tuple[Any, ...]) -> list[Any]:
        return []

    def configuration_text(self, instance: Instance, attribute: str) -> Any:
        return None

    def region_of(self, instance: Instance) -> Any:
        return REGION

    def account_of(self, instance: Instance) -> Any:
        return ACCOUNT

    def source_location(self, instance: Instance) -> tuple[str | None, int | None, int | None]:
        return "main.tf", 1, 5


def terraform(resources: dict[str, dict[str, Any]]) -> Estate:
    return build_estate(Reader(resources), "main.tf")


def cloudformation(resources: dict[str, Any]) -> Estate:
    template = Template("t.yaml", {"Resources": resources}, StackSettings(region=REGION, account=ACCOUNT))
    return CloudFormationBuilder({"t.yaml": template}, "t").build()


def neutral(element: Any, *ignore: str) -> dict[str, Any]:
    """An element's fields without where it comes from (keys, sources): what the facts made of it."""
    fields = {k: v for k, v in vars(element).items() if k not in ("key", "source", "holder", "declared_by") + ignore}
    for name, value in fields.items():
        if isinstance(value, list):
            fields[name] = [neutral(v, *ignore) if hasattr(v, "__dataclass_fields__") else v for v in value]
    return fields
