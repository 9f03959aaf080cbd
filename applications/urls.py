from django.urls import path

from applications import views

app_name = "applications"

urlpatterns = [
    path("portal/", views.dashboard, name="dashboard"),
    path("apply/<str:code>/", views.start, name="start"),
    path("applications/<uuid:public_id>/", views.detail, name="detail"),
    path("applications/<uuid:public_id>/tasks/", views.task_list, name="tasks"),
    path("applications/<uuid:public_id>/steps/<slug:step>/", views.step, name="step"),
    path("applications/<uuid:public_id>/check/", views.check_answers, name="check"),
    path("applications/<uuid:public_id>/submit/", views.submit, name="submit"),
    path("applications/<uuid:public_id>/submitted/", views.confirmation, name="confirmation"),
    path("applications/<uuid:public_id>/payment/", views.payment_required, name="payment"),
    path("applications/<uuid:public_id>/withdraw/", views.withdraw, name="withdraw"),
    path("applications/<uuid:public_id>/discard/", views.discard, name="discard"),
    path(
        "applications/<uuid:public_id>/documents/<int:document_id>/",
        views.document,
        name="document",
    ),
]
