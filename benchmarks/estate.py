"""Generate a synthetic AWS estate as Terraform, plan it with real terraform, and scale plans.

An estate is ``cells`` of ten VPCs each (module ``./cell`` instantiated with ``for_each``):
VPCs 0-7 in us-east-1, VPCs 8-9 in us-west-2 (the aliased provider ``aws.peer``). Inside a
cell every VPC peers with its two next neighbours in a ring (distance 1 and 2), so a cell has
10 VPCs, 20 peerings (6 of them inter-region, with an accepter in the other region) and 80
routes (each peering is routed both ways from each side's custom and main route table).
Each VPC also has two subnets, a custom route table and its association, a security group,
an ingress rule that references the next VPC's group (cross-region for VPCs 7 and 9) and an
instance with user data (VPC 7's sets MTU 9001 and routes over inter-region peerings).

Every fifth cell (``mistakes = true``) has two more deliberate mistakes: VPC 9 reuses VPC 7's
CIDR block (they are peered) and the route back from VPC 1's custom table to VPC 0 is missing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

CELL = 10
HOME = "us-east-1"
PEER = "us-west-2"
PEER_VPCS = (8, 9)
CREDS = """  access_key                  = "AKIAFAKEFAKEFAKE"
  secret_key                  = "fake"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true"""


def cidr(n: int) -> str:
    return f"10.{n // 256}.{n % 256}.0/24"


def cells_for(vpcs: int) -> dict[str, dict]:
    count = max(1, vpcs // CELL)
    return {f"c{i:04d}": {"cidrs": [cidr(i * CELL + j) for j in range(CELL)], "mistakes": i % 5 == 0}
            for i in range(count)}


def peerings() -> list[tuple[int, int]]:
    return [(j, (j + d) % CELL) for d in (1, 2) for j in range(CELL)]


def _provider(j: int) -> str:
    return "aws.peer" if j in PEER_VPCS else "aws"


def root_tf() -> str:
    return f"""terraform {{
  required_providers {{
    aws = {{ source = "hashicorp/aws" }}
  }}
}}

provider "aws" {{
  region                      = "{HOME}"
{CREDS}
}}

provider "aws" {{
  alias                       = "west"
  region                      = "{PEER}"
{CREDS}
}}

variable "cells" {{
  type = map(object({{ cidrs = list(string), mistakes = bool }}))
}}

module "cell" {{
  source    = "./cell"
  for_each  = var.cells
  providers = {{ aws = aws, aws.peer = aws.west }}
  name      = each.key
  cidrs     = each.value.cidrs
  mistakes  = each.value.mistakes
}}
"""


def cell_tf() -> str:
    out = ["""terraform {
  required_providers {
    aws = { source = "hashicorp/aws", configuration_aliases = [aws.peer] }
  }
}

variable "name" { type = string }
variable "cidrs" { type = list(string) }
variable "mistakes" { type = bool }
"""]
    for j in range(CELL):
        p = _provider(j)
        cidr_expr = "var.cidrs[var.mistakes ? 7 : 9]" if j == 9 else f"var.cidrs[{j}]"
        mtu = 9001 if j == 7 else 1500
        out.append(f"""
resource "aws_vpc" "v{j}" {{
  provider   = {p}
  cidr_block = {cidr_expr}
  tags       = {{ Name = "${{var.name}}-v{j}" }}
}}

resource "aws_subnet" "v{j}_a" {{
  provider   = {p}
  vpc_id     = aws_vpc.v{j}.id
  cidr_block = cidrsubnet(aws_vpc.v{j}.cidr_block, 1, 0)
}}

resource "aws_subnet" "v{j}_b" {{
  provider   = {p}
  vpc_id     = aws_vpc.v{j}.id
  cidr_block = cidrsubnet(aws_vpc.v{j}.cidr_block, 1, 1)
}}

resource "aws_route_table" "v{j}" {{
  provider = {p}
  vpc_id   = aws_vpc.v{j}.id
}}

resource "aws_route_table_association" "v{j}_a" {{
  provider       = {p}
  subnet_id      = aws_subnet.v{j}_a.id
  route_table_id = aws_route_table.v{j}.id
}}

resource "aws_security_group" "s{j}" {{
  provider = {p}
  name     = "${{var.name}}-s{j}"
  vpc_id   = aws_vpc.v{j}.id
}}

resource "aws_vpc_security_group_ingress_rule" "s{j}_from_peer" {{
  provider                     = {p}
  security_group_id            = aws_security_group.s{j}.id
  referenced_security_group_id = aws_security_group.s{(j + 1) % CELL}.id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
}}

resource "aws_instance" "h{j}" {{
  provider               = {p}
  ami                    = "ami-0123456789abcdef0"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.v{j}_a.id
  vpc_security_group_ids = [aws_security_group.s{j}.id]
  user_data              = <<-EOT
    #!/bin/bash
    ip link set dev eth0 mtu {mtu}
  EOT
}}
""")
    for a, b in peerings():
        pa, pb = _provider(a), _provider(b)
        cross = pa != pb
        name = f"p{a}_{b}"
        if cross:
            out.append(f"""
resource "aws_vpc_peering_connection" "{name}" {{
  provider    = {pa}
  vpc_id      = aws_vpc.v{a}.id
  peer_vpc_id = aws_vpc.v{b}.id
  peer_region = "{PEER if b in PEER_VPCS else HOME}"
}}

resource "aws_vpc_peering_connection_accepter" "{name}" {{
  provider                  = {pb}
  vpc_peering_connection_id = aws_vpc_peering_connection.{name}.id
  auto_accept               = true
}}
""")
        else:
            out.append(f"""
resource "aws_vpc_peering_connection" "{name}" {{
  provider    = {pa}
  vpc_id      = aws_vpc.v{a}.id
  peer_vpc_id = aws_vpc.v{b}.id
  auto_accept = true
}}
""")
        for here, there in ((a, b), (b, a)):
            for table, ref in (("rt", f"aws_route_table.v{here}.id"), ("main", f"aws_vpc.v{here}.main_route_table_id")):
                count = "\n  count                     = var.mistakes ? 0 : 1" if (here, there, table) == (1, 0, "rt") else ""
                out.append(f"""
resource "aws_route" "{name}_{table}_{here}" {{{count}
  provider                  = {_provider(here)}
  route_table_id            = {ref}
  destination_cidr_block    = aws_vpc.v{there}.cidr_block
  vpc_peering_connection_id = aws_vpc_peering_connection.{name}.id
}}
""")
    return "".join(out)


def write_configuration(directory: Path, vpcs: int) -> None:
    (directory / "cell").mkdir(parents=True, exist_ok=True)
    (directory / "main.tf").write_text(root_tf())
    (directory / "cell" / "main.tf").write_text(cell_tf())
    (directory / "terraform.tfvars.json").write_text(json.dumps({"cells": cells_for(vpcs)}, indent=1))


# --------------------------------------------------------------------------- scaling

_CIDR = re.compile(r'"10\.(\d+)\.(\d+)\.')
_CELL_KEY = re.compile(r'module\.cell\[\\"(c\d{4})\\"\]')


def _cell_of(address: str) -> str | None:
    match = re.match(r'module\.cell\["(c\d{4})"\]', address)
    return match.group(1) if match else None


def scale_plan(template: dict, vpcs: int) -> dict:
    """Replicate the template plan's cells to ``vpcs`` VPCs.

    Cell ``i`` is a copy of template cell ``i % T``: the same resource changes and planned
    values, with the module key renamed (``module.cell["c0007"]``) and every CIDR block moved
    to cell ``i``'s addresses, so that no new overlaps appear and the deliberate ones repeat.
    The configuration (one module, instantiated per cell) is unchanged; the ``cells``
    variable is rewritten to match, as terraform would have recorded it.
    """
    template_cells = sorted(template["variables"]["cells"]["value"])
    t = len(template_cells)
    count = max(1, vpcs // CELL)
    new_cells = {f"c{i:04d}": None for i in range(count)}

    def transplant(text: str, source_index: int, target_index: int) -> str:
        source_key, target_key = f"c{source_index:04d}", f"c{target_index:04d}"
        offset = (target_index - source_index) * CELL

        def move(match: re.Match) -> str:
            n = int(match.group(1)) * 256 + int(match.group(2)) + offset
            return f'"10.{n // 256}.{n % 256}.'

        return _CIDR.sub(move, text.replace(source_key, target_key))

    by_cell: dict[str, list] = {k: [] for k in template_cells}
    for change in template["resource_changes"]:
        by_cell[_cell_of(change["address"])].append(change)
    children = {_cell_of(c["address"]): c for c in template["planned_values"]["root_module"]["child_modules"]}
    cell_text = {k: json.dumps(by_cell[k]) for k in template_cells}
    child_text = {k: json.dumps(children[k]) for k in template_cells}

    changes: list = []
    child_modules: list = []
    cell_values: dict = {}
    for i in range(count):
        src = i % t
        key = template_cells[src]
        changes.extend(json.loads(transplant(cell_text[key], src, i)))
        child_modules.append(json.loads(transplant(child_text[key], src, i)))
        cell_values[f"c{i:04d}"] = json.loads(transplant(json.dumps(template["variables"]["cells"]["value"][key]), src, i))
    plan = dict(template)
    plan["resource_changes"] = changes
    plan["planned_values"] = dict(template["planned_values"])
    plan["planned_values"]["root_module"] = dict(template["planned_values"]["root_module"])
    plan["planned_values"]["root_module"]["child_modules"] = child_modules
    plan["variables"] = dict(template["variables"])
    plan["variables"]["cells"] = {"value": cell_values}
    del new_cells
    return plan
