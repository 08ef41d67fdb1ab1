from django.urls import path

from . import documents, views

app_name = "approvals"
urlpatterns = [
    path("queue/", views.QueueView.as_view(), name="queue"),
    path("queue/batch/", views.BatchApproveView.as_view(), name="batch-approve"),
    path("applications/", views.ApplicationListView.as_view(), name="list"),
    path("applications/new/", views.ApplicationCreateView.as_view(), name="create"),
    path("applications/<int:pk>/", views.ApplicationDetailView.as_view(), name="detail"),
    path("applications/<int:pk>/act/", views.ApplicationActView.as_view(), name="act"),
    path("loans/<int:pk>/renew/", views.LoanRenewView.as_view(), name="loan-renew"),
]
urlpatterns += documents.urlpatterns
