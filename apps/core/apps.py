from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    verbose_name = "核心"

    def ready(self):
        from . import inputs

        inputs.install()
