"""Loaders turn files into the peering model. They translate; they never judge."""
