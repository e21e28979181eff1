"""Writes of the knowledge base (``articles``) and the matcher kept in each process
(``matching``). Import from here or from the modules."""
