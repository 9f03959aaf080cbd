"""`/api/v1/…`: the Part 5 endpoints (spec/part5-api.md), their OpenAPI document and its viewers."""

urlpatterns: list = []
