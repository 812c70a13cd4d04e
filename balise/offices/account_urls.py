from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from balise.lib.ratelimit import ratelimit

from . import views
from .forms import StaffPasswordResetForm

# Per client address, on top of django-axes (which locks one account + address pair):
# slows down password spraying over many accounts, and floods of reset e-mails.
login_limit = ratelimit(key="ip", rate="30/m", group="login")
reset_limit = ratelimit(key="ip", rate="5/m", group="password_reset")

urlpatterns = [
    path("connexion/", login_limit(views.LoginView.as_view()), name="login"),
    path("connexion/code/", views.login_code, name="login_code"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.account, name="account"),
    path("jetons/<int:token_id>/revoquer/", views.token_revoke, name="token_revoke"),
    path("double-authentification/", views.totp_setup, name="totp_setup"),
    path("double-authentification/desactiver/", views.totp_disable, name="totp_disable"),
    path(
        "double-authentification/codes-de-secours/",
        views.totp_recovery_codes,
        name="totp_recovery_codes",
    ),
    path(
        "mot-de-passe/",
        auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("password_change_done")),
        name="password_change",
    ),
    path(
        "mot-de-passe/modifie/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "mot-de-passe/oubli/",
        reset_limit(
            auth_views.PasswordResetView.as_view(
                form_class=StaffPasswordResetForm,
                email_template_name="registration/password_reset_email.txt",
                subject_template_name="registration/password_reset_subject.txt",
            )
        ),
        name="password_reset",
    ),
    path(
        "mot-de-passe/oubli/envoye/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/fait/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
