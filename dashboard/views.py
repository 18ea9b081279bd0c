from django.http import HttpResponse


def home(request):
    return HttpResponse("")


def league(request):
    return HttpResponse("")


def healthz(request):
    return HttpResponse("")
