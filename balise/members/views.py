from django.http import HttpResponse


def provider_list(request, office_slug):
    return HttpResponse("")
