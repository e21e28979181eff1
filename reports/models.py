"""Metric events and report models."""

# models kept in modules of their own, registered with the app here
from reports.alert_models import SlaAlert, SlaLevel  # noqa: F401
