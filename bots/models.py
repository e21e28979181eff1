"""Automation models: scenarios, knowledge base, triggers (see the open issues)."""
