from rest_framework.routers import SimpleRouter

from .views import HouseholdViewSet

router = SimpleRouter()
router.register("households", HouseholdViewSet, basename="household")
urlpatterns = router.urls
