"""The e-mail channel: inbound by SMTP (``receiver``, run by ``manage.py mail_receiver``),
outbound by SMTP from a Celery task (``tasks.email_send``). See docs/email.md."""
