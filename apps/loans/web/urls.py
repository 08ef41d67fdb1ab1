from django.urls import path

from . import documents, views

app_name = "loans"
urlpatterns = [
    path("", views.LoanListView.as_view(), name="list"),
    path("<int:pk>/", views.LoanDetailView.as_view(), name="detail"),
    path("<int:pk>/<slug:action>/", views.LoanActView.as_view(), name="act"),
    path("term-changes/<int:pk>/decide/", views.TermChangeDecideView.as_view(), name="term-change-decide"),
    path("notices/", views.NoticeListView.as_view(), name="notices"),
    path("notices/publish/", views.NoticePublishView.as_view(), name="notice-publish"),
    path("notices/<int:pk>/", views.NoticeDetailView.as_view(), name="notice-detail"),
]
urlpatterns += documents.urlpatterns
