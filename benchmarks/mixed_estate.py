"""A realistic mixed estate: the peering cells of ``estate.py`` beside application resources.

Real AWS estates hold far more than networks: buckets, roles, keys, queues, tables, logs. checkov
runs its own checks on all of them and pcxguard's on the network part only, so the share of
peering resources decides what pcxguard adds to a checkov run. Here every cell of ten VPCs
(``estate.cell_tf``: 186 resources of the types pcxguard checks) comes with ``APPS_PER_CELL``
instances of module ``./app``, a bundle of ``len(APP_TYPES)`` common resources of other types, so
that about 15 % of the resources are network/peering resources (the issue's "realistic estate").

Layout: ``main.tf`` (providers, ``module "cell"`` and ``module "app"``, both ``for_each`` over
variables written to ``terraform.tfvars.json``), ``cell/main.tf`` (from ``estate.py``) and
``app/main.tf``. Everything is literal or computed by terraform itself, so ``terraform plan``
works offline with the fake credentials of ``estate.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import estate

APPS_PER_CELL = 48

APP_TF = '''variable "name" { type = string }

resource "aws_s3_bucket" "data" {
  bucket = "pcxbench-${var.name}-data"
  tags   = { App = var.name }
}

resource "aws_s3_bucket_versioning" "data" {
  bucket = aws_s3_bucket.data.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "data" {
  bucket = aws_s3_bucket.data.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.app.arn
    }
  }
}

resource "aws_s3_bucket_public_access_block" "data" {
  bucket                  = aws_s3_bucket.data.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_kms_key" "app" {
  description         = "${var.name} data key"
  enable_key_rotation = true
}

resource "aws_kms_alias" "app" {
  name          = "alias/pcxbench-${var.name}"
  target_key_id = aws_kms_key.app.key_id
}

resource "aws_iam_role" "app" {
  name = "pcxbench-${var.name}"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }]
  })
}

resource "aws_iam_policy" "app" {
  name = "pcxbench-${var.name}"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "arn:aws:s3:::pcxbench-${var.name}-data/*" }]
  })
}

resource "aws_iam_role_policy_attachment" "app" {
  role       = aws_iam_role.app.name
  policy_arn = aws_iam_policy.app.arn
}

resource "aws_iam_instance_profile" "app" {
  name = "pcxbench-${var.name}"
  role = aws_iam_role.app.name
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/pcxbench/${var.name}"
  retention_in_days = 30
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "pcxbench-${var.name}-errors"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  metric_name         = "Errors"
  namespace           = "AWS/Lambda"
  period              = 300
  statistic           = "Sum"
  threshold           = 0
}

resource "aws_sqs_queue" "jobs" {
  name                    = "pcxbench-${var.name}-jobs"
  sqs_managed_sse_enabled = true
}

resource "aws_sns_topic" "events" {
  name = "pcxbench-${var.name}-events"
}

resource "aws_sns_topic_subscription" "jobs" {
  topic_arn = aws_sns_topic.events.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.jobs.arn
}

resource "aws_dynamodb_table" "state" {
  name         = "pcxbench-${var.name}-state"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {
    name = "id"
    type = "S"
  }
}

resource "aws_ecr_repository" "app" {
  name                 = "pcxbench-${var.name}"
  image_tag_mutability = "IMMUTABLE"
}

resource "aws_secretsmanager_secret" "db" {
  name = "pcxbench-${var.name}-db"
}

resource "aws_ssm_parameter" "endpoint" {
  name  = "/pcxbench/${var.name}/endpoint"
  type  = "String"
  value = "https://${var.name}.example.com"
}

resource "aws_ebs_volume" "scratch" {
  availability_zone = "us-east-1a"
  size              = 20
  encrypted         = true
}

resource "aws_ecs_cluster" "app" {
  name = "pcxbench-${var.name}"
}

resource "aws_db_instance" "db" {
  identifier          = "pcxbench-${var.name}"
  engine              = "postgres"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  username            = "app"
  password            = "not-a-real-password-${var.name}"
  skip_final_snapshot = true
  storage_encrypted   = true
}
'''
APP_RESOURCES = APP_TF.count('\nresource "') + APP_TF.startswith('resource "')

ROOT_EXTRA = '''
variable "apps" {
  type = map(object({ cell = string }))
}

module "app" {
  source   = "./app"
  for_each = var.apps
  name     = each.key
}
'''


def apps_for(vpcs: int, per_cell: int = APPS_PER_CELL) -> dict[str, dict]:
    cells = sorted(estate.cells_for(vpcs))
    return {f"{cell}-a{n:02d}": {"cell": cell} for cell in cells for n in range(per_cell)}


def write_configuration(directory: Path, vpcs: int, per_cell: int = APPS_PER_CELL) -> None:
    """The mixed estate's .tf for ``vpcs`` VPCs (rounded down to cells of ten)."""
    (directory / "cell").mkdir(parents=True, exist_ok=True)
    (directory / "app").mkdir(parents=True, exist_ok=True)
    (directory / "main.tf").write_text(estate.root_tf() + ROOT_EXTRA)
    (directory / "cell" / "main.tf").write_text(estate.cell_tf())
    (directory / "app" / "main.tf").write_text(APP_TF)
    (directory / "terraform.tfvars.json").write_text(json.dumps({"cells": estate.cells_for(vpcs),
                                                                 "apps": apps_for(vpcs, per_cell)}, indent=1))


def peering_share(per_cell: int = APPS_PER_CELL, network_per_cell: int = 186) -> float:
    """The share of network/peering resources in a cell with its apps."""
    return network_per_cell / (network_per_cell + per_cell * APP_RESOURCES)
