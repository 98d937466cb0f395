# A small estate for the pcxguard command's tests (tests/test_cli_*.py).
# app (us-east-1) peers with data (same region: fine, routes both ways),
# with west (us-west-2: its block overlaps app's, and west routes nothing back),
# and with a partner VPC known only by its id (vpc-0a1b2c3d4e5f67890): pcxguard
# cannot tell until the inventory in .pcxguard.yaml describes it.
# Regenerate: see tests/data/cli_plan/regen.sh

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "AKIAFAKEFAKEFAKEFAKE"
  secret_key                  = "fake"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

provider "aws" {
  alias                       = "west"
  region                      = "us-west-2"
  access_key                  = "AKIAFAKEFAKEFAKEFAKE"
  secret_key                  = "fake"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

resource "aws_vpc" "app" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_vpc" "data" {
  cidr_block = "10.1.0.0/16"
}

resource "aws_vpc" "west" {
  provider   = aws.west
  cidr_block = "10.0.128.0/17" # inside app's 10.0.0.0/16
}

resource "aws_route_table" "app" {
  vpc_id = aws_vpc.app.id
}

resource "aws_route_table" "data" {
  vpc_id = aws_vpc.data.id
}

resource "aws_vpc_peering_connection" "app_data" {
  vpc_id      = aws_vpc.app.id
  peer_vpc_id = aws_vpc.data.id
  auto_accept = true
}

resource "aws_route" "app_to_data" {
  route_table_id            = aws_route_table.app.id
  destination_cidr_block    = "10.1.0.0/16"
  vpc_peering_connection_id = aws_vpc_peering_connection.app_data.id
}

resource "aws_route" "data_to_app" {
  route_table_id            = aws_route_table.data.id
  destination_cidr_block    = "10.0.0.0/16"
  vpc_peering_connection_id = aws_vpc_peering_connection.app_data.id
}

resource "aws_vpc_peering_connection" "app_west" {
  vpc_id      = aws_vpc.app.id
  peer_vpc_id = aws_vpc.west.id
  peer_region = "us-west-2"
}

resource "aws_vpc_peering_connection_accepter" "west" {
  provider                  = aws.west
  vpc_peering_connection_id = aws_vpc_peering_connection.app_west.id
  auto_accept               = true
}

resource "aws_route" "app_to_west" {
  route_table_id            = aws_route_table.app.id
  destination_cidr_block    = "10.0.128.0/17"
  vpc_peering_connection_id = aws_vpc_peering_connection.app_west.id
}

resource "aws_vpc_peering_connection" "app_partner" {
  vpc_id        = aws_vpc.app.id
  peer_vpc_id   = "vpc-0a1b2c3d4e5f67890"
  peer_owner_id = "111122223333"
}
