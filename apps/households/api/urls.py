from apps.core.api.routers import Router

from .views import HouseholdViewSet

router = Router()
router.register("households", HouseholdViewSet, basename="household")
urlpatterns = router.urls
