"""Issued licences: numbering, the PDF, registration with the verification service, and the lifecycle."""
