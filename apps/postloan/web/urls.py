from django.urls import path

from . import documents, views

app_name = "postloan"
urlpatterns = [
    path("tasks/", views.TaskListView.as_view(), name="tasks"),
    path("inspections/", views.InspectionListView.as_view(), name="inspections"),
    path("inspections/<int:pk>/", views.InspectionDetailView.as_view(), name="inspection-detail"),
    path("photos/<int:pk>/", views.PhotoView.as_view(), name="photo"),
    path("loans/<int:pk>/inspect/", views.InspectView.as_view(), name="inspect"),
    path("loans/<int:pk>/withdrawals/new/", views.WithdrawalCreateView.as_view(), name="withdrawal-new"),
    path("loans/<int:pk>/collection/", views.CollectionLogView.as_view(), name="collection-log"),
    path("findings/<int:pk>/", views.FindingDetailView.as_view(), name="finding-detail"),
    path("findings/<int:pk>/step/", views.FindingStepView.as_view(), name="finding-step"),
    path("withdrawals/", views.WithdrawalListView.as_view(), name="withdrawals"),
    path("withdrawals/<int:pk>/", views.WithdrawalDetailView.as_view(), name="withdrawal-detail"),
    path("notices/", views.NoticeListView.as_view(), name="notices"),
    path("notices/<int:pk>/receipt/", views.NoticeReceiptView.as_view(), name="notice-receipt"),
    path("bulletin/", views.BulletinView.as_view(), name="bulletin"),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("notifications/count/", views.NotificationCountView.as_view(), name="notifications-count"),
]
urlpatterns += documents.urlpatterns
