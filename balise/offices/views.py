from django.contrib.auth import views as auth_views
from django.http import HttpResponse


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True


def home(request):
    return HttpResponse("")


def health(request):
    return HttpResponse("ok")


office_home = staff_list = staff_add = staff_edit = staff_remove = office_settings = home
account = token_revoke = home
