"""The e-mail channel: inbound by SMTP (``receiver``, run by ``manage.py mail_receiver``) or
by reading an IMAP mailbox (``imap``: ``manage.py mail_imap``, the periodic task), both
through ``inbound``; outbound by SMTP from the connector's Celery task. See docs/email.md."""
