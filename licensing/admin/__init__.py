"""Back-office configuration of the service catalog: services, documents, forms and workflows.

Forms and workflows are edited as versions. A draft is edited freely (steps inline on the definition, the
fields of a form step and the checklist of a workflow step on the step's own page); a published or retired
version is shown read-only everywhere. "Publish" and "New draft version" go through `licensing.services`,
which validate, retire the previous version and write the audit trail.
"""

from licensing.admin import catalog, forms, workflows  # noqa: F401  (registers the admins, in menu order)
