from django.urls import path

from . import imports, views

app_name = "households"
urlpatterns = [
    path("", views.HouseholdListView.as_view(), name="list"),
    path("new/", views.HouseholdCreateView.as_view(), name="create"),
    path("export.xlsx", imports.HouseholdExportView.as_view(), name="export"),
    path("<int:pk>/", views.HouseholdDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.HouseholdUpdateView.as_view(), name="edit"),
    path("<int:pk>/rate/", views.HouseholdRateView.as_view(), name="rate"),
    *imports.urlpatterns,
]
