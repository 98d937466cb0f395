"""pcxguard: find AWS VPC-peering mistakes across resources before they reach an account."""

__version__ = "0.1.0"
