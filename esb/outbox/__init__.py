"""The transactional outbox: work that must follow a commit (e-mails, Celery tasks, later webhooks and
registrations) is written as a row in the caller's transaction and relayed by a worker, so a process that
dies after the commit loses nothing. See `services.enqueue`, `registry` and `relay`."""
