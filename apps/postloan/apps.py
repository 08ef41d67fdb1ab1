from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostloanConfig(AppConfig):
    name = "apps.postloan"
    verbose_name = _("Post-loan management")
