"""Metric events and report models."""
