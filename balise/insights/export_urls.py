"""Export URLs of the territory study (XLSX, CSV, PDF), included by ``urls.py``."""

from django.urls import path  # noqa: F401

urlpatterns = []
