"""The officer's review: work queues, claiming, the review screen and the actions a workflow step allows.

Run-time state of the review workflow (tasks per application and step, officer actions, internal notes)
lives here; the workflow *definition* is `licensing`'s, and every status change of the application goes
through `applications.services`.
"""
