"""The member-gateway simulator, mounted at /sandbox/gateway/: its API and its hosted checkout page."""

from django.urls import path

from sandbox.gateway import views

app_name = "sandbox-gateway"

urlpatterns = [
    path("v1/checkout/sessions", views.create_session, name="create-session"),
    path("v1/transactions", views.list_transactions, name="transactions"),
    path("checkout/<str:session_id>/", views.checkout, name="checkout"),
]
