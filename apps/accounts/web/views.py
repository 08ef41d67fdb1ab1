import ipaddress

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, View

from apps.core.errors import DomainError
from apps.core.forms import StyledFormMixin
from apps.core.messages import message

from .. import services
from ..models import ApiToken, User
from ..roles import Role


def client_ip(request) -> str | None:
    """The address the login throttle counts by. Behind TRUSTED_PROXY_COUNT reverse proxies it is the entry
    they appended to X-Forwarded-For (entries further left are the client's word and can be forged)."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if forwarded:
            candidate = forwarded[-min(proxies, len(forwarded))]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return remote or None


IP_LOCKED_MESSAGE = gettext_lazy("Too many failed logins from your network address; try again later.")


class ThrottledLoginMixin:
    """The failed-login throttle (services.login_lock) and the LoginAttempt record, shared by the site's login
    page and the admin's (/admin/login/): a lock refuses even the right password."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request else None
        if not username:
            return super().clean()
        # The limits are checked and the attempt recorded as failed in one locked step, before the password is
        # checked (hashing takes a good part of a second): a concurrent attempt already counts this one.
        attempt, lock = services.login_begin(username, ip)
        if lock:
            raise forms.ValidationError(message(lock) if lock == "login_locked" else IP_LOCKED_MESSAGE, code=lock)
        cleaned = super().clean()
        if self.get_user() is not None:
            services.login_succeeded(attempt)
        return cleaned


class LoginForm(ThrottledLoginMixin, StyledFormMixin, auth_views.AuthenticationForm):
    pass


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """admin.site.login_form: the same throttle, plus the admin's own rule that only staff may sign in there."""


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class CapabilityRequiredMixin(LoginRequiredMixin):
    """`capability` is checked before anything else. Views on one object set it to the read capability and
    call `require(...)` for the action's own capability after the scoped lookup, so an object outside the
    user's scope answers 404 whatever their role (never 403, which would confirm it exists)."""

    capability: str | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.capability and not request.user.can(self.capability):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def require(self, capability: str) -> None:
        if not self.request.user.can(capability):
            raise PermissionDenied


class TokenIssueForm(StyledFormMixin, forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label=gettext_lazy("Bank user"))
    name = forms.CharField(max_length=100, label=gettext_lazy("Purpose"), initial="核心系统对接")

    def __init__(self, *args, admin=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            User.objects.visible_to(admin).filter(role=Role.BANK_OFFICER, is_active=True).select_related("bank")
        )


class TokenListView(CapabilityRequiredMixin, FormView):
    """County administrators issue and revoke API tokens for bank users in their area."""

    capability = "token.manage"
    template_name = "accounts/tokens.html"
    form_class = TokenIssueForm

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"admin": self.request.user}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        users = User.objects.visible_to(self.request.user)
        ctx["tokens"] = ApiToken.objects.filter(user__in=users).select_related("user", "user__bank", "created_by")[:200]
        return ctx

    def form_valid(self, form):
        try:
            token, key = services.token_issue(self.request.user, form.cleaned_data["user"], form.cleaned_data["name"])
        except DomainError as exc:
            form.add_error(None, exc.detail)
            return self.form_invalid(form)
        ctx = self.get_context_data(form=self.form_class(admin=self.request.user))
        ctx["new_key"], ctx["new_token"] = key, token
        return self.render_to_response(ctx)


class TokenRevokeView(LoginRequiredMixin, View):
    def post(self, request, pk):
        users = User.objects.visible_to(request.user)
        token = get_object_or_404(ApiToken.objects.filter(user__in=users), pk=pk)
        if not request.user.can("token.manage"):
            raise PermissionDenied
        services.token_revoke(request.user, token)
        messages.success(request, _("Token %(prefix)s… revoked.") % {"prefix": token.prefix})
        return redirect("accounts:tokens")
