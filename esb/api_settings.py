"""Settings of Django REST framework and drf-spectacular, imported by esb/settings.py.

Nothing here depends on the environment: the OpenAPI document generated from these settings is committed
(docs/api/openapi-v1.yaml, `make openapi`) and is what every deployment serves. Apps are named by dotted
path only (esb imports no domain app).
"""

# Secure defaults for any DRF view that does not set its own: staff sessions only. The Part 5 views set theirs
# explicitly (camdx_api.base.Part5View: CamDigiKey organization token, per-service access list, throttles).
REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.URLPathVersioning",
    "ALLOWED_VERSIONS": ["v1"],
    "DEFAULT_VERSION": "v1",
}
# The Part 5 API's OpenAPI document. Nothing in it depends on the host or the environment, so the committed
# copy (docs/api/openapi-v1.yaml, `make openapi`) is what every deployment serves.
SPECTACULAR_SETTINGS = {
    "TITLE": "ESB Portal API",
    "DESCRIPTION": (
        "The Part 5 interoperability APIs (Strategy for E-Services for Business 2025-2028, Appendix 3): "
        "read by other institutions' systems directly or through CamDX (X-Road), with a CamDigiKey "
        "organization token. Code lists: GET /api/v1/codes. Guide: docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "camdx_api.openapi.add_health",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        # The Part 5 code lists (applications.models.Status, payments.models.Status), one component each.
        "LicenseStatusEnum": [
            "DRAFT",
            "SUBMITTED",
            "REVIEWING",
            "RETURNED",
            "APPROVED",
            "REJECTED",
            "EXPIRED",
        ],
        "PaymentStatusEnum": ["UNPAID", "PENDING", "PAID", "FAILED", "REFUNDED", "WAIVED"],
    },
}
