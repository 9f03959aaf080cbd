"""The CamDX security-server simulator, mounted at /sandbox/camdx/ (so its URLs are those of a security
server: {base}/r1/{instance}/{class}/{member}/{subsystem}/{service}[/path] and {base}/listClients)."""

from django.urls import path, re_path

from sandbox.camdx import views
from sandbox.member.views import simulator_health

app_name = "sandbox-camdx"

urlpatterns = [
    path("health", simulator_health, name="health"),  # the heartbeat's probe (monitoring)
    path("", views.registry_page, name="registry"),
    path("listClients", views.list_clients, name="list-clients"),
    # Any version segment: the view answers Client.InvalidProtocolVersion for another one than r1.
    re_path(r"^(?P<rest_path>r[^/]*/.*)$", views.rest, name="rest"),
]
